#!/usr/bin/env bash
# Runs orgctl's whole test suite. Installs what the tests need on a fresh machine and starts
# and stops any server itself.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null; then
  echo "cargo is required (https://rustup.rs)" >&2
  exit 1
fi

cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --no-fail-fast
else
  cargo test --no-fail-fast
fi
