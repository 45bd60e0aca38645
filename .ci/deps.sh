#!/bin/sh
# Installs the Debian packages scaleplan builds against, when pkg-config cannot find
# every module. Usage: deps.sh "PKG-CONFIG MODULES" "DEBIAN PACKAGES"
# A no-op when everything is present; apt-get (with sudo when not root) otherwise.
modules=$1
debs=$2
missing=""
if command -v pkg-config >/dev/null 2>&1; then
    for m in $modules; do
        pkg-config --exists "$m" || missing="$missing $m"
    done
    # the renderer needs Graphviz's layout and output plugins, shipped outside the -dev package
    command -v dot >/dev/null 2>&1 || missing="$missing graphviz"
else
    missing="pkg-config"
fi
[ -z "$missing" ] && exit 0

echo "scaleplan: missing:$missing; installing Debian packages: $debs" >&2
# shellcheck disable=SC2086
sh "$(dirname "$0")/apt-install.sh" $debs || exit 1
for m in $modules; do
    if ! pkg-config --exists "$m"; then
        echo "scaleplan: error: pkg-config still cannot find '$m' after installing packages" >&2
        exit 1
    fi
done
