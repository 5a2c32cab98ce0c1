#!/usr/bin/env bash
# orgctl quickstart: builds orgctl, then plans and applies examples/quickstart/ against a fresh
# local sandbox organization (no AWS account needed), and shows that a second plan is empty.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> building orgctl"
# A one-off build: incremental compilation would only add work (and disk).
CARGO_INCREMENTAL=0 cargo build --quiet
orgctl="${CARGO_TARGET_DIR:-target}/debug/orgctl"
file=examples/quickstart/organization.yml
sandbox=${ORGCTL_QUICKSTART_SANDBOX:-.orgctl/quickstart.json}
rm -f "$sandbox"

echo "==> orgctl validate $file"
"$orgctl" validate "$file"
echo
echo "==> orgctl plan $file --sandbox $sandbox --create-sandbox"
"$orgctl" plan "$file" --sandbox "$sandbox" --create-sandbox
echo "==> orgctl apply $file --sandbox $sandbox --auto-approve"
"$orgctl" apply "$file" --sandbox "$sandbox" --auto-approve
echo
echo "==> orgctl plan $file --sandbox $sandbox --detailed-exitcode   (expect: no changes)"
"$orgctl" plan "$file" --sandbox "$sandbox" --detailed-exitcode
echo
echo "The sandbox organization is in $sandbox. Edit $file and run the plan again to see changes."
echo "Next:"
echo "  $orgctl apply landing-zone/organization-tasks.yml --sandbox $sandbox   # stacks into the accounts"
echo "  $orgctl audit $file --sandbox $sandbox --format html -o audit.html      # inventory, drift, findings"
echo "  $orgctl explain Production ec2:RunInstances --region ap-south-1 --sandbox $sandbox   # what the SCPs allow, and why"
echo "  # who can sign in where: add '<<: !Include ../../landing-zone/identity/identity-center.yml' under Organization: in $file, then plan"
