"""A moto server that starts out holding the organization of an orgctl sandbox file.

Creating thousands of accounts through moto's HTTP API takes longer than the benchmark it sets up
(a 5,000-account organization: over 17 minutes). This script builds the same organization inside
moto's backends directly, in seconds, then serves it: the OUs, the accounts in their OUs with
their tags, the policies with their attachments, and in each account its alias and password
policy (IAM). orgctl then reads it over HTTP exactly as it would read one it had applied.

    .venv/bin/python benches/moto_seeded.py SANDBOX.json PORT

Used by `benches/aws_model.rs` only; the test suite starts moto_server itself.
"""

import json
import logging
import sys
import threading

from moto.iam.models import iam_backends
from moto.organizations.models import organizations_backends
from moto.server import ThreadedMotoServer

PARTITION = "aws"


def tag_list(tags):
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def seed(org):
    master = org["management_account_id"]
    backend = organizations_backends[master][PARTITION]
    backend.create_organization(region="us-east-1", FeatureSet="ALL")
    root = org["root"]
    ids = {root["id"]: backend.org.root_id}
    enabled = (["SERVICE_CONTROL_POLICY"] if root.get("scp_enabled") else []) + root.get("other_policy_types", [])
    for policy_type in enabled:
        backend.enable_policy_type(RootId=backend.org.root_id, PolicyType=policy_type)
    if root.get("tags"):
        backend.tag_resource(ResourceId=backend.org.root_id, Tags=tag_list(root["tags"]))

    # OUs, parents before children.
    pending = dict(org["ous"])
    while pending:
        ready = [ou for ou in pending.values() if ou["parent_id"] in ids]
        if not ready:
            sys.exit("the sandbox's OUs do not form a tree")
        for ou in ready:
            created = backend.create_organizational_unit(ParentId=ids[ou["parent_id"]], Name=ou["name"])
            new_id = created["OrganizationalUnit"]["Id"]
            ids[ou["id"]] = new_id
            if ou["tags"]:
                backend.tag_resource(ResourceId=new_id, Tags=tag_list(ou["tags"]))
            del pending[ou["id"]]

    for account in org["accounts"].values():
        if account["id"] == master:
            new_id = master
            management = backend.get_account_by_id(master)
            management.name, management.email = account["name"], account["email"]
        else:
            status = backend.create_account(AccountName=account["name"], Email=account["email"])
            new_id = status["CreateAccountStatus"]["AccountId"]
            backend.move_account(
                AccountId=new_id, SourceParentId=backend.org.root_id, DestinationParentId=ids[account["parent_id"]]
            )
        ids[account["id"]] = new_id
        if account["tags"]:
            backend.tag_resource(ResourceId=new_id, Tags=tag_list(account["tags"]))
        iam = iam_backends[new_id][PARTITION]
        if account.get("alias"):
            iam.create_account_alias(account["alias"])
        policy = account.get("password_policy")
        if policy:
            iam.update_account_password_policy(
                policy.get("AllowUsersToChangePassword", False),
                policy.get("HardExpiry", False),
                policy.get("MaxPasswordAge", 0),
                policy.get("MinimumPasswordLength", 6),
                policy.get("PasswordReusePrevention"),
                policy.get("RequireLowercaseCharacters", False),
                policy.get("RequireNumbers", False),
                policy.get("RequireSymbols", False),
                policy.get("RequireUppercaseCharacters", False),
            )

    for policy in org["policies"].values():
        if policy["aws_managed"]:
            continue  # moto attaches its own defaults to everything it creates
        created = backend.create_policy(
            Name=policy["name"],
            Description=policy.get("description") or "",
            Content=policy["content"],
            Type=policy["policy_type"],
            Tags=tag_list(policy.get("tags") or {}),
        )
        policy_id = created["Policy"]["PolicySummary"]["Id"]
        for target in policy["targets"]:
            backend.attach_policy(PolicyId=policy_id, TargetId=ids[target])


def main():
    sandbox, port = sys.argv[1], int(sys.argv[2])
    with open(sandbox, encoding="utf-8") as f:
        seed(json.load(f)["org"])
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
