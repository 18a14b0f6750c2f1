#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (tests/test_explorer_browser.py).
# Idempotent: does nothing when /usr/bin/chromium is already there.
# Never downloads a browser build of its own: Playwright is pointed at this binary.
set -euo pipefail

CHROMIUM=${LOUPAN_CHROMIUM:-/usr/bin/chromium}

if [ -x "$CHROMIUM" ]; then
    echo "chromium present: $CHROMIUM" >&2
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-browser: need root (or sudo) to apt-get install chromium" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# fonts-noto-cjk: the explorer is in Chinese; without a CJK font screenshots show boxes.
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk

if [ ! -x "$CHROMIUM" ]; then
    echo "install-browser: apt-get finished but $CHROMIUM is still missing" >&2
    exit 1
fi
"$CHROMIUM" --version >&2 || true
