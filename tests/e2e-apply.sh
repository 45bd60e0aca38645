#!/bin/sh
# End-to-end tests of apply's durability with group commit (docs/providers.md,
# "The journal"): an apply killed with SIGKILL part way leaves a state and a
# journal that read back, every operation it reported is in them and in the
# provider's folder, and the next apply converges; no temporary file is left.
#   usage: sh tests/e2e-apply.sh BIN SRCDIR
set -u
BIN=$1
SRC=$2
export SCALEPLAN_NOW=2027-01
pass=0
fail=0
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sp-e2e-apply.XXXXXX")
VICTIM=""
cleanup() {
    [ -n "$VICTIM" ] && kill -KILL "$VICTIM" 2>/dev/null
    rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL e2e-apply/$CASE: $*"; [ -f "$ROOT/out" ] && sed 's/^/  | /' "$ROOT/out" | head -20; }
run() { "$@" >"$ROOT/out" 2>&1; }
has() { if grep -q -- "$1" "$ROOT/out"; then ok; else bad "output lacks '$1'"; fi; }

W=$ROOT/w
mkdir -p "$W"
cp "$SRC/examples/fintech-payments.yaml" "$W/spec.yaml"
cd "$W" || exit 1
INFRA=.scaleplan/infra

# the resources apply reported created ("ADDRESS: created" lines), sorted
reported() { sed -n 's/^\(.*\): created$/\1/p' "$1" | sort; }
# the resources in the provider's folder, sorted
files() { for f in "$INFRA"/*.json; do [ -f "$f" ] && basename "$f" .json; done | sort; }

for par in 1 4; do
    CASE=kill-p$par
    rm -rf .scaleplan
    # slow operations, so the kill lands while some are in flight and some are recorded
    SCALEPLAN_LOCAL_LATENCY_MS=150 "$BIN" apply --auto-approve --parallelism $par spec.yaml >"$ROOT/apply.out" 2>&1 &
    VICTIM=$!
    # wait until a few operations were reported, then kill it
    i=0
    while [ "$(reported "$ROOT/apply.out" | wc -l)" -lt 3 ] && [ $i -lt 300 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    kill -KILL "$VICTIM" 2>/dev/null && ok || bad "the apply ended before it could be killed"
    wait "$VICTIM" 2>/dev/null
    VICTIM=""
    reported "$ROOT/apply.out" >"$ROOT/reported"
    n=$(wc -l <"$ROOT/reported" | tr -d ' ')
    [ "$n" -ge 3 ] && [ "$n" -lt 18 ] && ok || bad "killed after $n of 18 operations were reported"
    # the state and its journal read back, and hold every reported operation
    run "$BIN" state list --spec spec.yaml && ok || bad "state list after the kill failed"
    sort "$ROOT/out" >"$ROOT/listed"
    missing=$(comm -23 "$ROOT/reported" "$ROOT/listed")
    [ -z "$missing" ] && ok || bad "reported but not in the state: $missing"
    # and the provider holds each of them
    files >"$ROOT/files"
    missing=$(comm -23 "$ROOT/reported" "$ROOT/files")
    [ -z "$missing" ] && ok || bad "reported but not in $INFRA: $missing"
    # what the state records exists (recorded after the provider's sync)
    missing=$(comm -23 "$ROOT/listed" "$ROOT/files")
    [ -z "$missing" ] && ok || bad "in the state but not in $INFRA: $missing"

    CASE=resume-p$par
    run "$BIN" apply --auto-approve --parallelism $par spec.yaml && ok || bad "the apply after the kill failed"
    has "Apply complete"
    run "$BIN" plan --detailed-exitcode spec.yaml && ok || bad "a plan after the resumed apply still has changes"
    [ "$(files | wc -l | tr -d ' ')" -eq 18 ] && ok || bad "not 18 resource files: $(files | wc -l)"
    # the temporary files of the killed writes were swept, and the journal folded in
    left=$(ls -A "$INFRA" | grep -c '^\.' || true)
    [ "$left" -eq 0 ] && ok || bad "$left temporary files left in $INFRA"
    [ ! -e .scaleplan/state.json.journal ] && ok || bad "a journal is left after a complete apply"
done

# an apply of everything in one go: every operation reported once, in the state and the folder
CASE=complete
rm -rf .scaleplan
run "$BIN" apply --auto-approve --parallelism 8 spec.yaml && ok || bad "apply failed"
[ "$(reported "$ROOT/out" | wc -l | tr -d ' ')" -eq 18 ] && ok || bad "not 18 operations reported"
[ "$(reported "$ROOT/out" | uniq | wc -l | tr -d ' ')" -eq 18 ] && ok || bad "an operation was reported twice"
run "$BIN" state list --spec spec.yaml && ok || bad "state list failed"
[ "$(wc -l <"$ROOT/out" | tr -d ' ')" -eq 18 ] && ok || bad "the state does not hold 18 resources"

echo "e2e-apply: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
