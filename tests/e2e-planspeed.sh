#!/bin/sh
# End-to-end tests of plan's forecast cache (planner/fccache.h) and the month
# forecast it goes with (model/fastplan.h):
#   usage: sh tests/e2e-planspeed.sh BIN SRCDIR
# - with no .scaleplan/ folder, plan writes nothing; with one, the first plan
#   keeps its totals under .scaleplan/cache/ and later plans read them: every
#   output (text and JSON, several months and percentiles) is the same bytes
#   as a plan without the cache (SCALEPLAN_NO_CACHE=1);
# - a damaged, cut or empty cache file is a miss: the same output, and the
#   file is written whole again; a cache folder that cannot be written leaves
#   plan's output as it was;
# - an edit of the spec is a new key (its own file; the figures follow the edit);
# - plans run at the same time give the same bytes and leave a valid file.
# Every check prints "FAIL" with a name when it fails; a summary line ends the
# run, and the exit status is non-zero on any failure.
set -u
BIN=$1
SRC=$2
export NO_COLOR=1 SCALEPLAN_NOW=2027-01
unset SCALEPLAN_NO_CACHE
pass=0
fail=0
CASE=setup
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sp-e2e-planspeed.XXXXXX")
trap 'chmod -R u+w "$ROOT" 2>/dev/null; rm -rf "$ROOT"' EXIT
trap 'exit 1' INT TERM

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL e2e-planspeed/$CASE: $*"; }
# run OUT ARGS...: scaleplan in $ROOT/w, stdout and stderr into OUT; exit 0 expected
run() {
    _out=$1
    shift
    (cd "$ROOT/w" && "$BIN" "$@") >"$_out" 2>&1
    _c=$?
    [ $_c -eq 0 ] || bad "scaleplan $* exited $_c: $(head -c 400 "$_out")"
}
ref() {
    _out=$1
    shift
    (cd "$ROOT/w" && SCALEPLAN_NO_CACHE=1 "$BIN" "$@") >"$_out" 2>&1 || bad "reference plan $* failed"
}
same() { if cmp -s "$1" "$2"; then ok; else bad "$3: $(diff "$1" "$2" | head -5)"; fi; }
ncache() { ls "$ROOT/w/.scaleplan/cache" 2>/dev/null | grep -c '^forecast-'; }

mkdir -p "$ROOT/w"
cp "$SRC"/examples/*.yaml "$ROOT/w/"

CASE=no-folder
run "$ROOT/a" plan saas-web.yaml
[ ! -e "$ROOT/w/.scaleplan" ] && ok || bad "plan made .scaleplan/ where there was none"

CASE=hit-same-bytes
mkdir "$ROOT/w/.scaleplan"
for ex in saas-web fintech-payments ai-assistant; do
    for args in "" "--at 2028-06 --percentile 90" "--at 2029-03 --percentile 95 --paths 80"; do
        for fmt in text json; do
            # shellcheck disable=SC2086
            ref "$ROOT/ref" plan --format $fmt $args $ex.yaml
            # shellcheck disable=SC2086
            run "$ROOT/miss" plan --format $fmt $args $ex.yaml
            # shellcheck disable=SC2086
            run "$ROOT/hit" plan --format $fmt $args $ex.yaml
            same "$ROOT/ref" "$ROOT/miss" "$ex $args $fmt: first plan"
            same "$ROOT/ref" "$ROOT/hit" "$ex $args $fmt: cached plan"
        done
    done
done
# one file per spec and path count (not per month, percentile planned or format)
n=$(ncache)
[ "$n" -eq 6 ] && ok || bad "$n cache files, expected 6"
[ -z "$(ls -A "$ROOT/w/.scaleplan/cache" | grep -v '^forecast-')" ] && ok || bad "a temporary file was left behind"

CASE=damage
ref "$ROOT/ref" plan fintech-payments.yaml
rm -rf "$ROOT/w/.scaleplan/cache"
run "$ROOT/x" plan fintech-payments.yaml
f=$(ls "$ROOT/w/.scaleplan/cache"/forecast-*)
for how in flip cut empty junk; do
    cp "$f" "$ROOT/good"
    case $how in
    flip) sed -i '5s/0x1/0x2/' "$f" ;;
    cut) head -c 300 "$ROOT/good" >"$f" ;;
    empty) : >"$f" ;;
    junk) printf 'scaleplan-forecast-cache 1\nkey nope\n' >"$f" ;;
    esac
    cmp -s "$f" "$ROOT/good" && bad "$how: the file did not change"
    run "$ROOT/out" plan fintech-payments.yaml
    same "$ROOT/ref" "$ROOT/out" "$how: plan output"
    cmp -s "$f" "$ROOT/good" && ok || bad "$how: the cache file was not written whole again"
done

CASE=read-only
chmod a-w "$ROOT/w/.scaleplan/cache"
rm -f "$ROOT/w/.scaleplan/cache"/forecast-* 2>/dev/null
if [ -w "$ROOT/w/.scaleplan/cache" ]; then
    ok   # running as a user the permissions do not stop
else
    run "$ROOT/out" plan fintech-payments.yaml
    same "$ROOT/ref" "$ROOT/out" "plan with a cache folder it cannot write"
fi
chmod u+w "$ROOT/w/.scaleplan/cache"

CASE=edit
ref "$ROOT/ref1" plan saas-web.yaml
run "$ROOT/x" plan saas-web.yaml
before=$(ncache)
(cd "$ROOT/w" && sed -i 's/cpu_ms_per_request: 18,/cpu_ms_per_request: 24,/' saas-web.yaml)
ref "$ROOT/ref2" plan saas-web.yaml
run "$ROOT/out" plan saas-web.yaml
run "$ROOT/out2" plan saas-web.yaml
cmp -s "$ROOT/ref1" "$ROOT/ref2" && bad "the edit changed nothing (the test needs a spec edit that matters)"
same "$ROOT/ref2" "$ROOT/out" "after an edit, first plan"
same "$ROOT/ref2" "$ROOT/out2" "after an edit, cached plan"
[ "$(ncache)" -gt "$before" ] && ok || bad "an edited spec did not get its own cache file"

CASE=concurrent
rm -rf "$ROOT/w/.scaleplan/cache"
ref "$ROOT/ref" plan ai-assistant.yaml
pids=""
for i in 1 2 3 4; do
    (cd "$ROOT/w" && "$BIN" plan ai-assistant.yaml >"$ROOT/c$i" 2>&1) &
    pids="$pids $!"
done
for p in $pids; do wait "$p" || bad "a concurrent plan failed"; done
for i in 1 2 3 4; do same "$ROOT/ref" "$ROOT/c$i" "concurrent plan $i"; done
run "$ROOT/out" plan ai-assistant.yaml
same "$ROOT/ref" "$ROOT/out" "the plan after the concurrent ones"
[ "$(ncache)" -eq 1 ] && ok || bad "$(ncache) cache files after concurrent plans, expected 1"
[ -z "$(ls -A "$ROOT/w/.scaleplan/cache" | grep -v '^forecast-')" ] && ok || bad "a temporary file was left behind"

echo "e2e-planspeed: $pass passed, $fail failed"
[ $fail = 0 ]
