#!/bin/sh
# Installs what the tests start on loopback: etcd (Debian's etcd-server and
# etcd-client), python3 (the stand-in servers of tests/servers), node and npm,
# and json-server (npm, pinned) under DEPSDIR; what tests/e2e-install.sh runs:
# groff, man and zsh; and chromium (the browser the HTML report is opened in,
# headless). A no-op when all are present.
# Usage: test-deps.sh DEPSDIR
set -u
depsdir=$1
JSON_SERVER_VERSION=0.17.4
missing=""
command -v etcd >/dev/null 2>&1 || missing="$missing etcd-server"
command -v etcdctl >/dev/null 2>&1 || missing="$missing etcd-client"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
# node and npm only when absent: a node installed another way brings its own npm
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
command -v git >/dev/null 2>&1 || missing="$missing git"
# tests/e2e-install.sh: the manual rendered, the zsh completion loaded
command -v groff >/dev/null 2>&1 || missing="$missing groff-base"
command -v man >/dev/null 2>&1 || missing="$missing man-db"
command -v zsh >/dev/null 2>&1 || missing="$missing zsh"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
if [ -n "$missing" ]; then
    echo "scaleplan: the tests need:$missing; installing Debian packages" >&2
    # shellcheck disable=SC2086
    sh "$(dirname "$0")/apt-install.sh" $missing || exit 1
fi
js="$depsdir/node_modules/.bin/json-server"
if [ ! -x "$js" ] || ! grep -q "\"version\": \"$JSON_SERVER_VERSION\"" "$depsdir/node_modules/json-server/package.json" 2>/dev/null; then
    echo "scaleplan: installing json-server $JSON_SERVER_VERSION (npm) in $depsdir" >&2
    mkdir -p "$depsdir"
    (cd "$depsdir" && [ -f package.json ] || echo '{"private": true}' > "$depsdir/package.json")
    (cd "$depsdir" && npm install --no-audit --no-fund --loglevel=error "json-server@$JSON_SERVER_VERSION" >/dev/null) ||
        { echo "scaleplan: error: npm install json-server@$JSON_SERVER_VERSION failed" >&2; exit 1; }
fi
exit 0
