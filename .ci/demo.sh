#!/bin/sh
# make demo: the main job on the embedded default (local provider, local state)
# with an example spec, in a scratch folder so the source tree stays clean.
set -eu
BIN=$1
SRC=$2
SPEC=${SPEC:-$SRC/examples/saas-web.yaml}
WORK=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/scaleplan-demo.XXXXXX")}
cd "$WORK"
echo "\$ scaleplan validate $(basename "$SPEC")"
"$BIN" validate "$SPEC"
echo
echo "\$ scaleplan graph --format svg -o graph.svg $(basename "$SPEC")"
"$BIN" graph --format svg -o graph.svg "$SPEC"
echo "wrote $WORK/graph.svg"
