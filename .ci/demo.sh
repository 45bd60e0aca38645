#!/bin/sh
# make demo: the main job on the embedded default (local provider, local
# state) with an example spec, in a scratch folder so the source tree stays
# clean: validate, forecast, plan with a saved plan file, apply it, and plan
# again to show that nothing is left to do.
set -eu
BIN=$1
SRC=$2
SPEC=${SPEC:-$SRC/examples/saas-web.yaml}
WORK=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/scaleplan-demo.XXXXXX")}
cd "$WORK"
cp "$SPEC" scaleplan.yaml
step() {
    echo
    echo "\$ scaleplan $*"
    "$BIN" "$@"
}
echo "demo folder: $WORK (spec: $(basename "$SPEC"))"
step validate
step forecast --paths 200
step plan -out plan.json
step apply plan.json
step plan --detailed-exitcode
step state list
step graph --format svg -o graph.svg
echo "wrote $WORK/graph.svg; the state is in $WORK/.scaleplan"
