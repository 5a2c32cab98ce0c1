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

# Headless Chromium, for the test that renders the HTML audit report (Debian's package).
if ! command -v chromium >/dev/null && [ -z "${ORGCTL_SKIP_BROWSER_TESTS:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || echo "apt-get update reported problems; trying the install anyway" >&2
    if ! apt-get install -y -q chromium >/dev/null; then
      echo "WARNING: chromium could not be installed: the HTML-in-a-browser test is SKIPPED in this run" >&2
      export ORGCTL_SKIP_BROWSER_TESTS=1
    fi
  else
    echo "chromium is missing: install it, or set ORGCTL_SKIP_BROWSER_TESTS=1" >&2
    exit 1
  fi
fi

# tmux, for the tests that drive orgctl in a real terminal (the apply confirmation).
if ! command -v tmux >/dev/null && [ -z "${ORGCTL_SKIP_TERMINAL_TESTS:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing tmux"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q tmux >/dev/null; then
      echo "WARNING: tmux could not be installed: the terminal tests are SKIPPED in this run" >&2
      export ORGCTL_SKIP_TERMINAL_TESTS=1
    fi
  else
    echo "tmux is missing: install it, or set ORGCTL_SKIP_TERMINAL_TESTS=1" >&2
    exit 1
  fi
fi

cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --no-fail-fast
else
  cargo test --no-fail-fast
fi
