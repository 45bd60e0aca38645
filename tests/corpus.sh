#!/bin/sh
# The bad-input corpus: every tests/bad/*.yaml (or directory *.d) must be
# rejected by `scaleplan validate` with exit code 1 and exactly the messages in
# NAME.stderr (UPDATE=1 rewrites them), and must never crash or hang.
set -u
BIN=$1
DIR=$2
SRC=$(cd "$DIR/../.." && pwd)
pass=0
fail=0
out=$(mktemp "${TMPDIR:-/tmp}/sp-corpus.XXXXXX")
trap 'rm -f "$out"' EXIT INT TERM
cd "$SRC" || exit 1
for f in tests/bad/*.yaml tests/bad/*.d; do
    [ -e "$f" ] || continue
    name=${f%.yaml}
    name=${name%.d}
    NO_COLOR=1 timeout 20 "$BIN" validate "$f" >/dev/null 2>"$out" </dev/null
    code=$?
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$out" "$name.stderr"
        [ $code = 1 ] || echo "corpus: warning: $f exits $code"
        continue
    fi
    ok=1
    if [ $code != 1 ]; then
        echo "FAIL corpus/$f: exit $code, expected 1"
        ok=0
    fi
    if ! head -n 1 "$out" | grep -Eq '^scaleplan: [^ ]+(:[0-9]+:[0-9]+)?: error: '; then
        echo "FAIL corpus/$f: first line is not 'scaleplan: FILE:LINE:COL: error: ...'"
        ok=0
    fi
    if ! cmp -s "$out" "$name.stderr"; then
        echo "FAIL corpus/$f: messages differ:"
        diff -u "$name.stderr" "$out" | head -30
        ok=0
    fi
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
[ "${UPDATE:-0}" = 1 ] && { echo "corpus: expectations updated"; exit 0; }
# an expectation without its input means a case went missing (not committed?)
for e in tests/bad/*.stderr; do
    n=${e%.stderr}
    if [ ! -e "$n.yaml" ] && [ ! -e "$n.d" ]; then
        echo "FAIL corpus/$e: no $n.yaml or $n.d for this expectation"
        fail=$((fail + 1))
    fi
done
echo "corpus: $pass passed, $fail failed"
[ $fail = 0 ]
