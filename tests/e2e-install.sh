#!/bin/sh
# End-to-end tests of what 'make install' brings: it installs into a scratch
# DESTDIR; the manual renders with man -l and groff -ww without a warning and
# has a section per command; the bash completion loads and completes commands,
# options, option values and, after --target, the addresses of a real applied
# state (nothing without one); the zsh completion loads under compinit; init's
# first line names the installed schema; make uninstall removes everything.
#   usage: sh tests/e2e-install.sh BIN SRCDIR   (BIN's folder is the build's O=)
set -u
BIN=$1
SRC=$2
O=$(dirname "$BIN")
export SCALEPLAN_NOW=2027-01
unset NO_COLOR
pass=0
fail=0
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sp-e2e-install.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT INT TERM
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL e2e-install/$CASE: $*"; [ -f "$ROOT/out" ] && sed 's/^/  | /' "$ROOT/out" | head -20; }
has() { if grep -q -- "$1" "$ROOT/out"; then ok; else bad "output lacks '$1'"; fi; }
empty() { if [ -s "$1" ]; then bad "$2:"; sed 's/^/  | /' "$1" | head -20; else ok; fi; }
DEST=$ROOT/dest
PREFIX=/usr/local
# the make that runs this script is not the one that installs: its flags stay out
mk() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$SRC" O="$O" DESTDIR="$DEST" "$@"; }

CASE=install
mk install >"$ROOT/out" 2>&1 && ok || bad "make install failed"
IBIN=$DEST$PREFIX/bin/scaleplan
MAN=$DEST$PREFIX/share/man/man1/scaleplan.1
BASHC=$DEST$PREFIX/share/bash-completion/completions/scaleplan
ZSHC=$DEST$PREFIX/share/zsh/site-functions/_scaleplan
DATA=$DEST$PREFIX/share/scaleplan
DOC=$DEST$PREFIX/share/doc/scaleplan
for f in "$IBIN" "$MAN" "$BASHC" "$ZSHC" "$DATA/scaleplan.schema.json" "$DATA/catalogs/aws-us-east-1.json" \
    "$DOC/spec.md" "$DOC/README.md" "$DOC/LICENSE" "$DOC/scaleplan.schema.json"; do
    [ -f "$f" ] && ok || bad "not installed: ${f#"$DEST"}"
done
[ -x "$IBIN" ] && ok || bad "the binary is not executable"
for f in "$SRC"/examples/*.yaml "$SRC"/examples/*/*; do
    [ -f "$f" ] || continue
    rel=${f#"$SRC"/examples/}
    cmp -s "$f" "$DATA/examples/$rel" && ok || bad "example not installed: examples/$rel"
done
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$DATA/scaleplan.schema.json" 2>"$ROOT/out" && ok ||
    bad "the installed schema is not JSON"

CASE=generated
# what is installed is what the binary writes, and it writes the same bytes each time
"$BIN" help --man >"$ROOT/man1" && "$BIN" help --man >"$ROOT/man2" && cmp -s "$ROOT/man1" "$ROOT/man2" && ok ||
    bad "help --man differs between two runs"
cmp -s "$ROOT/man1" "$MAN" && ok || bad "the installed page is not 'scaleplan help --man'"
"$BIN" completion bash | cmp -s - "$BASHC" && ok || bad "the installed bash completion is not 'completion bash'"
"$BIN" completion zsh | cmp -s - "$ZSHC" && ok || bad "the installed zsh completion is not 'completion zsh'"

CASE=man
if command -v groff >/dev/null 2>&1; then
    groff -ww -mandoc -Tutf8 -z "$MAN" 2>"$ROOT/err" && ok || bad "groff failed"
    empty "$ROOT/err" "groff -ww warns"
else
    bad "groff is missing (make test-deps installs it)"
fi
if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 MANPAGER=cat PAGER=cat man -l "$MAN" >"$ROOT/out" 2>"$ROOT/err" && ok || bad "man -l failed"
    empty "$ROOT/err" "man -l warns"
    has "^COMMANDS"
    has "^EXIT STATUS"
    # a section per command of the table, as 'scaleplan help' lists them
    "$BIN" help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' >"$ROOT/cmds"
    [ "$(wc -l <"$ROOT/cmds")" -ge 10 ] && ok || bad "could not read the list of commands"
    while read -r c; do
        grep -q "^   $c\$" "$ROOT/out" && ok || bad "no section for '$c'"
    done <"$ROOT/cmds"
    has "--target ADDR"
else
    bad "man is missing (make test-deps installs man-db)"
fi

CASE=bash
bash -c '. "$1" && complete -p scaleplan' sh "$BASHC" >"$ROOT/out" 2>&1 && ok || bad "the bash completion does not load"
has "^complete -F _scaleplan scaleplan$"
# comp DIR WORD...: completes the last word in DIR as bash would, one reply a line, sorted
comp() {
    dir=$1
    shift
    (cd "$dir" && bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _scaleplan; printf "%s\n" "${COMPREPLY[@]}"' sh "$BASHC" "$IBIN" "$@") |
        sed '/^$/d' | sort >"$ROOT/out"
}
expect() { printf '%s\n' "$@" | sed '/^$/d' | sort >"$ROOT/want"
    cmp -s "$ROOT/want" "$ROOT/out" && ok || { bad "completions differ (want | got):"; diff "$ROOT/want" "$ROOT/out" | head; }; }
P=$ROOT/project
mkdir -p "$P" && cd "$P" || exit 1
comp "$P" plan --target ""
expect ""
"$IBIN" init >/dev/null 2>&1 && "$IBIN" apply --auto-approve >"$ROOT/apply" 2>&1 && ok || bad "apply failed"
"$IBIN" state list >"$ROOT/addrs" 2>&1
[ "$(wc -l <"$ROOT/addrs")" -ge 3 ] && ok || bad "the applied state has fewer than 3 resources"
comp "$P" pl
expect plan
comp "$P" plan --ta
expect --target
comp "$P" plan --target ""
sort "$ROOT/addrs" | cmp -s - "$ROOT/out" && ok || bad "plan --target <TAB> is not the state's addresses"
comp "$P" plan --exclude "service."
expect "$(grep '^service\.' "$ROOT/addrs")"
comp "$P" apply --target "data"
expect "$(grep '^datastore\.' "$ROOT/addrs")"
comp "$P" state show ""
sort "$ROOT/addrs" | cmp -s - "$ROOT/out" && ok || bad "state show <TAB> is not the state's addresses"
comp "$P" state ""
expect import list migrate pull push rm show unlock
comp "$P" plan --format ""
expect json markdown text
comp "$P" forecast --by ""
expect category class component region
comp "$P" completion ""
expect bash zsh
comp "$P" help va
expect validate
comp "$P" --no
expect --no-color
comp "$P" plan --at ""
expect ""
# the spec named on the line says where the state is: another folder's spec has its own
mkdir -p "$ROOT/other"
comp "$ROOT/other" plan --target ""
expect ""
comp "$ROOT/other" plan "$P/scaleplan.yaml" --target ""
expect ""

CASE=zsh
if command -v zsh >/dev/null 2>&1; then
    zsh -fc 'autoload -U compinit; compinit -u -d "$2/zcompdump"; source "$1" &&
        print -r -- "${_comps[scaleplan]}" && (( $+functions[_scaleplan] )) && print defined' zsh "$ZSHC" "$ROOT" \
        >"$ROOT/out" 2>&1 && ok || bad "the zsh completion does not load"
    has "^_scaleplan$"
    has "^defined$"
    # installed in a folder of fpath, compinit finds it by its #compdef line
    zsh -fc 'fpath=("$1" $fpath); autoload -U compinit; compinit -u -d "$2/zcompdump2"; print -r -- "${_comps[scaleplan]}"' \
        zsh "$(dirname "$ZSHC")" "$ROOT" >"$ROOT/out" 2>&1 && ok || bad "compinit with the folder in fpath failed"
    has "^_scaleplan$"
else
    bad "zsh is missing (make test-deps installs it)"
fi

CASE=init-schema-line
cd "$ROOT" || exit 1
"$IBIN" init spec.yaml >/dev/null 2>&1 && ok || bad "init failed"
line=$(head -n 1 spec.yaml)
case $line in
"# yaml-language-server: \$schema=/"*) ok ;;
*) bad "first line is '$line'" ;;
esac
schema=${line#*\$schema=}
[ -f "$DEST$schema" ] && ok || bad "the line names $schema, which make install did not install"
"$IBIN" validate spec.yaml >"$ROOT/out" 2>&1 && ok || bad "the starter spec does not validate"

CASE=uninstall
mk uninstall >"$ROOT/out" 2>&1 && ok || bad "make uninstall failed"
find "$DEST" -type f >"$ROOT/left"
empty "$ROOT/left" "files left after make uninstall"

echo "e2e-install: $pass passed, $fail failed"
[ $fail = 0 ]
