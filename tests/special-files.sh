#!/bin/sh
# Inputs that are not regular files: a FIFO, a UNIX socket or a device given
# as the spec, or found as a *.yaml entry of a spec folder, must be refused at
# once (exit 1, one message naming it), never read or waited on. These cannot
# be committed to git, so they are made here, in a scratch folder.
#   sh tests/special-files.sh BIN SRCDIR
set -u
BIN=$1
SRC=$2
pass=0
fail=0
skip=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sp-special.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
cd "$tmp" || exit 1

# expect NAME CODE MESSAGE ARG: `validate ARG` exits CODE within 10 s and its
# stderr is exactly MESSAGE (nothing when MESSAGE is empty)
expect() {
    name=$1 want=$2 msg=$3 arg=$4
    NO_COLOR=1 timeout 10 "$BIN" validate "$arg" >out 2>err </dev/null
    code=$?
    ok=1
    if [ $code = 124 ]; then
        echo "FAIL special-files/$name: 'validate $arg' still running after 10 s (killed)"
        ok=0
    elif [ $code != "$want" ]; then
        echo "FAIL special-files/$name: exit $code, expected $want"
        ok=0
    fi
    if [ -n "$msg" ]; then
        printf '%s\n' "$msg" >want
    else
        : >want
    fi
    if [ $ok = 1 ] && ! cmp -s want err; then
        echo "FAIL special-files/$name: messages differ:"
        diff -u want err | head -20
        ok=0
    fi
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

refused() {
    echo "scaleplan: $1: error: '$1' is $2, not a regular file; a spec is read from regular files"
}

cp "$SRC/examples/saas-web.yaml" spec.yaml || exit 1

# a FIFO: today's bug was a read that waits for a writer forever
mkfifo fifo.yaml
expect fifo 1 "$(refused fifo.yaml 'a FIFO')" fifo.yaml

# a symbolic link is followed: to a FIFO it is refused, to a regular file it loads
ln -s fifo.yaml link-to-fifo.yaml
expect link-to-fifo 1 "$(refused link-to-fifo.yaml 'a FIFO')" link-to-fifo.yaml
ln -s spec.yaml link-to-file.yaml
expect link-to-file 0 "" link-to-file.yaml

# a UNIX socket (python3 binds one; the file stays after it exits)
if command -v python3 >/dev/null 2>&1 &&
    python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' sock.yaml 2>/dev/null &&
    [ -S sock.yaml ]; then
    expect socket 1 "$(refused sock.yaml 'a socket')" sock.yaml
else
    echo "SKIP special-files/socket: cannot make a UNIX socket (no python3?)"
    skip=$((skip + 1))
fi

# a character device
expect dev-null 1 "$(refused /dev/null 'a character device')" /dev/null

# in a folder: a *.yaml entry that is a FIFO is an error naming it ...
mkdir dir
cp spec.yaml dir/00-main.yaml
mkfifo dir/x.yaml
expect dir-fifo 1 "$(refused dir/x.yaml 'a FIFO')" dir
# ... while any other entry is ignored, as before
mkdir dir2
cp spec.yaml dir2/00-main.yaml
mkfifo dir2/notes.txt
expect dir-fifo-not-yaml 0 "" dir2

if [ $skip = 0 ]; then
    echo "special-files: $pass passed, $fail failed"
else
    echo "special-files: $pass passed, $fail failed, $skip skipped"
fi
[ $fail = 0 ]
