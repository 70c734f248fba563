#!/usr/bin/env bash
# Debian's wrk, the HTTP load generator of `make bench`, `make load` and their tests (bench/).
# Idempotent: does nothing when wrk is already on the PATH. Installing it needs root.
set -euo pipefail

if command -v wrk >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    if [ -n "${CI:-}" ]; then
        echo "install-wrk: wrk is missing and installing it needs root" >&2
        exit 1
    fi
    # A developer without root: the wrk tests skip, and `make bench` says what is missing.
    echo "install-wrk: wrk is missing; run this script as root (or apt-get install wrk)" >&2
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq wrk >/dev/null
command -v wrk
