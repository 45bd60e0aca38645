#!/bin/sh
# Golden CLI tests. Each case is tests/golden/NAME.cmd: one line of arguments to
# scaleplan (shell words; $TMP is a scratch folder), run from the source root.
# Expected results: NAME.stdout, NAME.stderr, NAME.exit. UPDATE=1 rewrites them.
# Occurrences of the scratch folder's path in the output are written as TMP.
# An optional NAME.after is a shell snippet run afterwards (with $RUN the
# scratch folder and $BIN the binary) whose output is appended to stdout, to
# check the files a command wrote.
set -u
BIN=$1
DIR=$2
SRC=$(cd "$DIR/../.." && pwd)
pass=0
fail=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sp-golden.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
cd "$SRC" || exit 1
for cmd in "$DIR"/*.cmd; do
    name=${cmd%.cmd}
    base=$(basename "$name")
    RUN="$TMP/run"
    rm -rf "$RUN" && mkdir -p "$RUN"
    args=$(cat "$cmd")
    # $TMP in a case means the per-case scratch folder
    eval "set -- $(printf '%s' "$args" | sed 's#\$TMP#$RUN#g')"
    NO_COLOR=1 SCALEPLAN_NOW=2027-01 "$BIN" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    code=$?
    if [ -f "$name.after" ]; then
        echo "--- after" >>"$TMP/out"
        RUN="$RUN" BIN="$BIN" sh "$name.after" >>"$TMP/out" 2>&1
    fi
    sed -i "s#$RUN#TMP#g" "$TMP/out" "$TMP/err"
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$TMP/out" "$name.stdout"
        cp "$TMP/err" "$name.stderr"
        echo "$code" >"$name.exit"
        continue
    fi
    ok=1
    if [ ! -f "$name.exit" ] || [ "$(cat "$name.exit")" != "$code" ]; then
        echo "FAIL golden/$base: exit $code, expected $(cat "$name.exit" 2>/dev/null || echo '?')"
        ok=0
    fi
    for s in stdout stderr; do
        f=out
        [ $s = stderr ] && f=err
        if ! cmp -s "$TMP/$f" "$name.$s"; then
            echo "FAIL golden/$base: $s differs:"
            diff -u "$name.$s" "$TMP/$f" | head -40
            ok=0
        fi
    done
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
[ "${UPDATE:-0}" = 1 ] && { echo "golden: expectations updated"; exit 0; }
echo "golden: $pass passed, $fail failed"
[ $fail = 0 ]
