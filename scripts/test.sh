#!/usr/bin/env bash
# Runs orgctl's whole test suite. Installs what the tests need on a fresh machine and starts
# and stops any server itself.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null; then
  echo "cargo is required (https://rustup.rs)" >&2
  exit 1
fi

# moto server, for the AWS-provider tests (each test starts and stops its own server on a free
# 127.0.0.1 port). Installed from PyPI into .venv, ignored by git.
MOTO='moto[server]==5.2.5'
if [ ! -x .venv/bin/moto_server ]; then
  echo "==> installing $MOTO into .venv"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "$MOTO"
fi
# cfn-lint, which the suite runs over every template orgctl renders (examples, landing zone, test
# corpus): converging on the sandbox must mean CloudFormation accepts the same templates.
CFN_LINT='cfn-lint==1.58.0'
if [ ! -x .venv/bin/cfn-lint ]; then
  echo "==> installing $CFN_LINT into .venv"
  .venv/bin/pip install --quiet --disable-pip-version-check "$CFN_LINT"
fi

# Debian packages some tests drive; installed when missing (as root with apt-get), else the run
# stops, unless the tests that need the package are skipped with its variable.
apt_updated=
need_package() { # command, package, skip variable, what needs it
  local command=$1 package=$2 skip=$3 what=$4
  command -v "$command" >/dev/null && return 0
  [ -n "${!skip:-}" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing $package"
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "$apt_updated" ]; then
      apt-get update -q >/dev/null || echo "apt-get update reported problems; trying the install anyway" >&2
      apt_updated=1
    fi
    if ! apt-get install -y -q "$package" >/dev/null; then
      echo "WARNING: $package could not be installed: $what" >&2
      export "$skip=1"
    fi
  else
    echo "$package is missing: install it, or set $skip=1" >&2
    exit 1
  fi
}
# Headless Chromium renders the HTML audit report; tmux drives orgctl in a real terminal (where
# tmux is missing, ORGCTL_TERMINAL_WITHOUT_TMUX=1 has that test use script(1) instead).
need_package chromium chromium ORGCTL_SKIP_BROWSER_TESTS "the HTML-in-a-browser tests are SKIPPED in this run"
need_package tmux tmux ORGCTL_TERMINAL_WITHOUT_TMUX "the terminal test uses script(1) instead"

# @cloud-copilot/iam-simulate, the independent evaluator orgctl's SCP decisions are compared
# with (tests/it/policy_crosscheck.rs); from the npm registry, at the version the lock file pins,
# run by Node.js (Debian's nodejs and npm where the machine has none).
need_package node nodejs ORGCTL_NO_NODE "Node.js is needed for the policy cross-check"
need_package npm npm ORGCTL_NO_NODE "npm is needed for the policy cross-check"
if [ -n "${ORGCTL_NO_NODE:-}" ]; then
  echo "Node.js and npm are required (the policy cross-check runs @cloud-copilot/iam-simulate)" >&2
  exit 1
fi
if [ ! -d tests/crosscheck/node_modules/@cloud-copilot/iam-simulate ]; then
  echo "==> installing @cloud-copilot/iam-simulate into tests/crosscheck/node_modules"
  npm ci --prefix tests/crosscheck --no-audit --no-fund --loglevel=error
fi

# A one-off build of the whole suite gains nothing from incremental compilation, which would
# roughly double the disk the build takes (a full disk makes the linker die with SIGBUS).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --no-fail-fast
else
  cargo test --no-fail-fast
fi
