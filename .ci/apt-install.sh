#!/bin/sh
# Installs Debian packages with apt-get, with sudo when not root; the one place
# the build's and the tests' installers (deps.sh, test-deps.sh, run) share.
# Usage: apt-install.sh PACKAGE...   Exits 1 with the reason when it cannot.
[ $# -gt 0 ] || exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "scaleplan: error: no apt-get on this system; install: $*" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "scaleplan: error: not root and no sudo; run as root: apt-get install -y $*" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || { echo "scaleplan: error: apt-get update failed" >&2; exit 1; }
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
    { echo "scaleplan: error: apt-get install failed for: $*" >&2; exit 1; }
