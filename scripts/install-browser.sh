#!/usr/bin/env bash
# Debian's Chromium for the embed widget's browser test (tests/embed/test_widget_browser.py).
# Idempotent: does nothing when /usr/bin/chromium is already there. Playwright drives this
# browser; `playwright install` (which downloads a browser build of its own) is never used.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    if [ -n "${CI:-}" ]; then
        echo "install-browser: $CHROMIUM is missing and installing it needs root" >&2
        exit 1
    fi
    # A developer without root: the browser test skips and says why.
    echo "install-browser: $CHROMIUM is missing; run this script as root to install it" >&2
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
"$CHROMIUM" --version
