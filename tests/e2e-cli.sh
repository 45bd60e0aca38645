#!/bin/sh
# End-to-end tests of the command line itself: the version, a mistyped
# command, colour (NO_COLOR, TERM=dumb, a terminal), init --force, drift with
# nothing to compare, binary graph formats and a terminal.
#   usage: sh tests/e2e-cli.sh BIN SRCDIR
set -u
BIN=$1
SRC=$2
unset NO_COLOR
export SCALEPLAN_NOW=2027-01
pass=0
fail=0
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sp-e2e-cli.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT INT TERM
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL e2e-cli/$CASE: $*"; [ -f "$ROOT/out" ] && sed 's/^/  | /' "$ROOT/out" | head -20; }
run() {
    want=$1; shift
    "$BIN" "$@" >"$ROOT/out" 2>&1
    got=$?
    if [ "$got" = "$want" ]; then ok; else bad "scaleplan $* exited $got, expected $want"; fi
}
has() { if grep -q -- "$1" "$ROOT/out"; then ok; else bad "output lacks '$1'"; fi; }
hasnt() { if grep -q -- "$1" "$ROOT/out"; then bad "output has '$1'"; else ok; fi; }
# tty CMD...: runs a shell command line on a pseudo-terminal (util-linux script), output in $ROOT/out
tty() { script -qec "$1" /dev/null >"$ROOT/out" 2>&1; }
esc=$(printf '\033')
cd "$ROOT" || exit 1

CASE=version
run 0 version
head -n 1 "$ROOT/out" | grep -qx "scaleplan [0-9][0-9.]*" && ok || bad "first line is not 'scaleplan VERSION'"
has "^catalog    aws-us-east-1, prices as of [0-9][0-9][0-9][0-9]-[0-9][0-9] (USD)$"
for lib in libyaml libgit2 libcurl jansson graphviz; do has "^$lib  *[0-9][0-9.]*"; done
"$BIN" --version >"$ROOT/v2" 2>&1
cmp -s "$ROOT/out" "$ROOT/v2" && ok || bad "--version differs from version"

CASE=did-you-mean
run 1 plna
has "unknown command 'plna'; did you mean 'plan'?"
run 1 aply
has "did you mean 'apply'?"
run 1 frobnicate
hasnt "did you mean"

CASE=colour
mkdir -p "$ROOT/c" && cd "$ROOT/c" || exit 1
printf 'scaleplan: 1\nname: [\n' >bad.yaml
tty "TERM=xterm $BIN validate bad.yaml"
grep -q "$esc\[" "$ROOT/out" && ok || bad "no colour on a terminal with TERM=xterm"
tty "TERM=dumb $BIN validate bad.yaml"
grep -q "$esc\[" "$ROOT/out" && bad "colour with TERM=dumb" || ok
tty "TERM=xterm NO_COLOR=1 $BIN validate bad.yaml"
grep -q "$esc\[" "$ROOT/out" && bad "colour with NO_COLOR" || ok
tty "TERM=xterm $BIN --no-color validate bad.yaml"
grep -q "$esc\[" "$ROOT/out" && bad "colour with --no-color" || ok
has "error"

CASE=init-force
mkdir -p "$ROOT/i" && cd "$ROOT/i" || exit 1
run 0 init
run 1 init
has "already exists; not overwriting it (--force replaces it)"
echo "junk" >scaleplan.yaml
run 1 init
grep -qx junk scaleplan.yaml && ok || bad "a refused init changed the file"
run 0 init --force
run 0 validate
run 0 init -f other.yaml
run 0 validate other.yaml
ls -a | grep -q '\.tmp-' && bad "a temporary file was left" || ok

CASE=drift-nothing
mkdir -p "$ROOT/d" && cd "$ROOT/d" || exit 1
run 1 drift
has "no spec (scaleplan.yaml) and no state (.scaleplan/state.json) here: nothing to compare"
run 1 drift --state missing.json
has "no state at 'missing.json'"
"$BIN" init >/dev/null 2>&1
run 0 drift
has "No drift"

CASE=graph-terminal
cd "$ROOT/i" || exit 1
tty "$BIN graph --format svg; echo rc=\$?"
has "not writing SVG to a terminal; use -o FILE"
has "rc=1"
tty "$BIN graph --format png; echo rc=\$?"
has "not writing PNG to a terminal"
tty "$BIN graph --format dot | head -1"
has "digraph"
run 0 graph --format svg -o g.svg
grep -q "<svg" g.svg && ok || bad "no SVG written"

CASE=validate-catalog
cd "$ROOT/i" || exit 1
sed 's/^currency: .*//' scaleplan.yaml >eur.yaml
echo "currency: EUR" >>eur.yaml
run 1 validate eur.yaml
has "eur.yaml:[0-9]*:11: error: the spec is in EUR but price catalog 'aws-us-east-1' is in USD"
sed 's/pricing: {catalog: aws-us-east-1}/pricing: {catalog: aws-nowhere}/' scaleplan.yaml >nocat.yaml
run 1 validate nocat.yaml
has "error: price catalog 'aws-nowhere' not found"
hasnt "price catalog 'aws-nowhere': price catalog"

echo "e2e-cli: $pass passed, $fail failed"
[ $fail = 0 ]
