#!/usr/bin/env python3
"""Run the console sessions of the documentation and compare their output.

    python3 tests/readme_check.py BIN SRCDIR [FILE.md ...]
    UPDATE=1 python3 tests/readme_check.py BIN SRCDIR      rewrites the outputs in place
    python3 tests/readme_check.py --self-test              checks this checker

FILE.md defaults to README.md and every docs/*.md that has a ```console block.

In a ```console block, a line that starts with "$ " is a command (shell syntax,
run by sh; it may set variables: "SCALEPLAN_NOW=2027-01 scaleplan plan"). The
lines after it, up to the next "$ " or the end of the block, are what it prints.
A line that is "..." (indented or not) stands for any number of lines, zero
or more.

Each file's blocks run in order, in one scratch folder of their own that holds
a copy of the repository's examples/ and tests/bad/, so a command sees the
files the commands before it wrote. Each command runs in that folder (a "cd"
lasts for its own line only), with scaleplan (BIN) first on PATH, HOME in the
scratch folder, TERM=dumb, NO_COLOR=1, LC_ALL=C.UTF-8, TZ=UTC, standard input
from /dev/null, and no other variable of the caller's environment except PATH,
TMPDIR and the sanitizers' options. Standard output and standard error both go
to one terminal (a pseudo-terminal), so they interleave as a reader sees them;
the pseudo-terminal passes bytes through unchanged (no "\r" is added). The
output must equal the block's lines byte for byte; a command must also exit
with one of scaleplan's documented statuses (0 to 4), so a crash or a
sanitizer report fails even where the output is abbreviated.

A block whose last non-blank line before it is an HTML comment
"<!-- readme-test: skip REASON -->" is not run; it is counted and printed as
skipped with its reason (for commands that need a server this test cannot
start, such as a forge or an etcd cluster the block names).

On a difference the test prints a unified diff (expected, then actual) and
exits 1. With UPDATE=1 it writes each command's real output into the file
instead, keeping every "..." where the lines around it still fit (the same
lines with other figures); when they do not, it writes the whole output and
says so, for the lines to be shortened again by hand.
"""
import difflib
import errno
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import time

WILD = "..."


def is_wild(line):
    return line.strip() == WILD
SKIP_RE = re.compile(r"^\s*<!--\s*readme-test:\s*skip\b\s*:?\s*(.*?)\s*-->\s*$")
OK_STATUS = {0, 1, 2, 3, 4}
TIMEOUT_S = float(os.environ.get("SP_README_TIMEOUT", "600"))

_current = None  # the command running now, stopped by its process group on exit


class Item:
    """One command of a block and what it prints."""

    def __init__(self, cmd, lineno):
        self.cmd = cmd
        self.lineno = lineno
        self.cmd_lines = []
        self.expected = []


class Block:
    def __init__(self, path, start, end, skip):
        self.path = path
        self.start = start  # index of the ```console line
        self.end = end  # index of the closing ``` line
        self.skip = skip
        self.items = []


def parse(path, text):
    lines = text.split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```console":
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        if j == len(lines):
            raise ValueError("%s:%d: the ```console block is not closed" % (path, i + 1))
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        m = SKIP_RE.match(lines[k]) if k >= 0 else None
        b = Block(path, i, j, (m.group(1) or "no reason given") if m else None)
        body = lines[i + 1:j]
        n = 0
        while n < len(body):
            line = body[n]
            if not line.startswith("$ "):
                if not b.items:
                    raise ValueError("%s:%d: a ```console block must start with a command ('$ ')"
                                     % (path, i + 2 + n))
                b.items[-1].expected.append(line)
                n += 1
                continue
            it = Item(line[2:], i + 2 + n)
            it.cmd_lines.append(line)
            # a command continued on the next line with a trailing backslash
            while it.cmd.endswith("\\") and n + 1 < len(body):
                n += 1
                it.cmd = it.cmd + "\n" + body[n]
                it.cmd_lines.append(body[n])
            b.items.append(it)
            n += 1
        blocks.append(b)
        i = j + 1
    return lines, blocks


def output_lines(data):
    """The lines of a command's output; a last line without its newline is marked."""
    text = data.decode("utf-8", errors="backslashreplace")
    if not text:
        return []
    out = text.split("\n")
    if out[-1] == "":
        out.pop()
    else:
        out.append("\\ no newline at the end of the output")
    return out


def match(expected, actual, key=lambda s: s):
    """Match expected lines (with "..." wildcards) against actual lines.
    Returns, for each expected line, the index of the actual line it matched
    (None for a wildcard), or None when they do not match."""
    memo = {}
    ne, na = len(expected), len(actual)
    ekeys = [None if is_wild(e) else key(e) for e in expected]
    akeys = [key(a) for a in actual]

    def go(ei, ai):
        # iterative over literal runs, recursive over wildcards only
        start = (ei, ai)
        if start in memo:
            return memo[start]
        res = False
        while True:
            if ei == ne:
                res = ai == na
                break
            if ekeys[ei] is None:
                # collapse consecutive wildcards
                while ei < ne and ekeys[ei] is None:
                    ei += 1
                res = any(go(ei, k) for k in range(ai, na + 1))
                break
            if ai < na and ekeys[ei] == akeys[ai]:
                ei += 1
                ai += 1
                continue
            break
        memo[start] = res
        return res

    if not go(0, 0):
        return None
    # rebuild the assignment along the memoised successes
    out = []
    ei, ai = 0, 0
    while ei < ne:
        if ekeys[ei] is None:
            out.append(None)
            nxt = ei
            while nxt < ne and ekeys[nxt] is None:
                nxt += 1
            for _ in range(ei + 1, nxt):
                out.append(None)
            k = next(k for k in range(ai, na + 1) if go(nxt, k))
            ei, ai = nxt, k
        else:
            out.append(ai)
            ei += 1
            ai += 1
    return out


def shape(line):
    """A line with its figures and column widths taken out: what stays when the
    model's numbers change."""
    return re.sub(r"\s+", " ", re.sub(r"\d[\d,.]*", "0", line)).strip()


def filled(expected, actual):
    """The expected lines with each "..." replaced by the actual lines it most
    likely stands for, so that a diff shows only real differences."""
    sm = difflib.SequenceMatcher(None, expected, actual, autojunk=False)
    out = []
    for op, e1, e2, a1, a2 in sm.get_opcodes():
        chunk = expected[e1:e2]
        span = actual[a1:a2]
        wilds = [i for i, x in enumerate(chunk) if is_wild(x)]
        if op != "equal" and len(wilds) == 1:
            # the literal lines around the wildcard pair with the ends of the span
            w = wilds[0]
            pre, post = chunk[:w], chunk[w + 1:]
            mid = span[len(pre):len(span) - len(post)] if len(span) >= len(pre) + len(post) else []
            out.extend(pre + mid + post)
        elif op == "insert" and out and is_wild(out[-1]):
            out[-1:] = span
        else:
            out.extend(chunk)
    return out


def updated(expected, actual):
    """The new expected lines for an actual output, keeping the abbreviations
    that still fit. Returns (lines, whole) where whole says the abbreviations
    were dropped."""
    if not any(is_wild(e) for e in expected):
        return list(actual), False
    if match(expected, actual) is not None:
        return list(expected), False
    m = match(expected, actual, key=shape)
    if m is not None:
        return [expected[i] if x is None else actual[x] for i, x in enumerate(m)], False
    return list(actual), True


def run_cmd(cmd, cwd, env):
    """Run one command under a pseudo-terminal; returns (status, output bytes)."""
    global _current
    master, slave = pty.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST  # bytes as written: no "\n" -> "\r\n"
    attrs[3] &= ~termios.ECHO
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    try:
        p = subprocess.Popen(["sh", "-c", cmd], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                             stdout=slave, stderr=slave, start_new_session=True)
    finally:
        os.close(slave)
    _current = p
    chunks = []
    deadline = time.monotonic() + TIMEOUT_S
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            r, _, _ = select.select([master], [], [], min(left, 0.5))
            if not r:
                if p.poll() is not None:
                    # ended, and nothing left to read (a process it left
                    # behind may still hold the terminal: not waited for)
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError as e:
                if e.errno == errno.EIO:  # every writer closed the terminal
                    break
                raise
            if not data:
                break
            chunks.append(data)
    except BaseException:
        stop(p)
        _current = None
        raise
    finally:
        os.close(master)
    if timed_out:
        stop(p)
        _current = None
        return None, b"".join(chunks)
    status = p.wait()
    _current = None
    return status, b"".join(chunks)


def stop(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()


def scratch_env(scratch):
    env = {
        "PATH": os.path.join(scratch, "bin") + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.path.join(scratch, "home"),
        "TERM": "dumb",
        "NO_COLOR": "1",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
    }
    for k in ("TMPDIR", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env


def make_scratch(bin_path, srcdir):
    scratch = tempfile.mkdtemp(prefix="sp-readme.")
    os.makedirs(os.path.join(scratch, "bin"))
    os.makedirs(os.path.join(scratch, "home"))
    if bin_path:
        os.symlink(os.path.abspath(bin_path), os.path.join(scratch, "bin", "scaleplan"))
    if srcdir:
        shutil.copytree(os.path.join(srcdir, "examples"), os.path.join(scratch, "examples"), symlinks=True)
        shutil.copytree(os.path.join(srcdir, "tests", "bad"), os.path.join(scratch, "tests", "bad"),
                        symlinks=True)
    return scratch


def check_file(path, shown, bin_path, srcdir, update, counts, log):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines, blocks = parse(shown, text)
    if not blocks:
        return
    scratch = make_scratch(bin_path, srcdir)
    env = scratch_env(scratch)
    replace = []  # (block, new body lines)
    try:
        for b in blocks:
            if b.skip:
                counts["skipped"] += 1
                log("skipped %s:%d: %s" % (shown, b.start + 1, b.skip))
                continue
            body = []
            for it in b.items:
                status, data = run_cmd(it.cmd, scratch, env)
                actual = [s.replace(scratch, "SCRATCH") for s in output_lines(data)]
                body.extend(it.cmd_lines)
                where = "%s:%d: $ %s" % (shown, it.lineno, it.cmd)
                if status is None:
                    counts["failed"] += 1
                    log("FAIL %s: no end after %g s; stopped" % (where, TIMEOUT_S))
                    body.extend(it.expected)
                    continue
                bad_status = status not in OK_STATUS
                if update:
                    new, whole = updated(it.expected, actual)
                    if bad_status:
                        counts["failed"] += 1
                        log("FAIL %s: exit status %d (not one of scaleplan's 0..4)" % (where, status))
                        log("\n".join("  | " + s for s in actual))
                        new = it.expected
                    elif new != it.expected:
                        counts["updated"] += 1
                        log("updated %s%s" % (where, ": its '...' no longer fit; wrote the whole output, "
                                              "shorten it again by hand" if whole else ""))
                    else:
                        counts["passed"] += 1
                    body.extend(new)
                    continue
                body.extend(it.expected)
                if match(it.expected, actual) is None:
                    counts["failed"] += 1
                    log("FAIL %s: the output differs%s:" % (
                        where, "" if not bad_status else " (and it exited %d)" % status))
                    exp = filled(it.expected, actual)
                    for d in difflib.unified_diff(exp, actual, "expected", "actual", lineterm="", n=3):
                        log(d)
                elif bad_status:
                    counts["failed"] += 1
                    log("FAIL %s: exit status %d (not one of scaleplan's 0..4)" % (where, status))
                else:
                    counts["passed"] += 1
            replace.append((b, body))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if update:
        for b, body in sorted(replace, key=lambda x: -x[0].start):
            lines[b.start + 1:b.end] = body
        new_text = "\n".join(lines)
        if new_text != text:
            tmp = path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(new_text)
            os.replace(tmp, path)


def on_term(signum, frame):
    raise SystemExit(128 + signum)


def self_test():
    """The checker's own cases: each must pass or fail as stated."""
    fails = 0

    def expect(name, cond):
        nonlocal fails
        if not cond:
            fails += 1
            print("FAIL self-test: %s" % name)

    expect("literal match", match(["a", "b"], ["a", "b"]) == [0, 1])
    expect("literal mismatch", match(["a", "b"], ["a", "c"]) is None)
    expect("missing line", match(["a", "b"], ["a"]) is None)
    expect("extra line", match(["a"], ["a", "b"]) is None)
    expect("wildcard in the middle", match(["a", WILD, "d"], ["a", "b", "c", "d"]) == [0, None, 3])
    expect("wildcard matches nothing", match(["a", WILD, "d"], ["a", "d"]) == [0, None, 1])
    expect("wildcard at the end", match(["a", WILD], ["a", "x", "y"]) == [0, None])
    expect("indented wildcard", match(["a", "  ...", "d"], ["a", "b", "d"]) == [0, None, 2])
    expect("wildcard keeps order", match(["a", WILD, "b"], ["b", "a"]) is None)
    expect("backtracking", match([WILD, "x", "y"], ["x", "z", "x", "y"]) == [None, 2, 3])
    expect("no trailing newline", output_lines(b"a\nb") == ["a", "b", "\\ no newline at the end of the output"])
    expect("blank last line kept", output_lines(b"a\n\n") == ["a", ""])
    new, whole = updated(["total $1,200", WILD, "end 7"], ["total $13,400", "x", "y", "end 9"])
    expect("update keeps the abbreviation", (new, whole) == (["total $13,400", WILD, "end 9"], False))
    new, whole = updated(["a", WILD, "b"], ["c", "d"])
    expect("update writes the whole output when it no longer fits", (new, whole) == (["c", "d"], True))
    expect("filled diff hides the wildcard", filled(["a", WILD, "d"], ["a", "b", "c", "e"]) == ["a", "b", "c", "d"])

    # a whole file: passing, failing, abbreviated, skipped blocks, and UPDATE
    d = tempfile.mkdtemp(prefix="sp-readme-self.")
    try:
        md = os.path.join(d, "t.md")
        good = ("# t\n\n```console\n$ printf 'one\\ntwo\\n'; echo err >&2\none\ntwo\nerr\n"
                "$ echo x >f\n$ cat f\nx\n$ seq 1 5\n1\n...\n5\n$ echo $TERM $NO_COLOR $HOME\ndumb 1 SCRATCH/home\n"
                "$ [ -t 1 ] && [ -t 2 ] && echo tty\ntty\n```\n\n<!-- readme-test: skip needs a server -->\n"
                "```console\n$ false\nnever\n```\n")
        with open(md, "w") as f:
            f.write(good)
        counts = {"passed": 0, "failed": 0, "skipped": 0, "updated": 0}
        logged = []
        check_file(md, "t.md", None, None, False, counts, logged.append)
        expect("good file passes: %s %s" % (counts, logged),
               counts == {"passed": 6, "failed": 0, "skipped": 1, "updated": 0})
        expect("skip is reported", any("skipped t.md:" in s and "needs a server" in s for s in logged))

        bad = good.replace("one\ntwo\nerr\n", "one\nTWO\nerr\n").replace("$ cat f\nx\n", "$ cat f\ny\n")
        bad += "```console\n$ kill -SEGV $$\n```\n"
        with open(md, "w") as f:
            f.write(bad)
        counts = {"passed": 0, "failed": 0, "skipped": 0, "updated": 0}
        logged = []
        check_file(md, "t.md", None, None, False, counts, logged.append)
        expect("bad file fails three times: %s" % counts, counts["failed"] == 3 and counts["passed"] == 4)
        expect("a diff is printed", "-TWO" in logged and "+two" in logged)
        expect("a crash fails", any("exit status" in s for s in logged))

        counts = {"passed": 0, "failed": 0, "skipped": 0, "updated": 0}
        logged = []
        check_file(md, "t.md", None, None, True, counts, logged.append)
        with open(md) as f:
            after = f.read()
        expect("UPDATE rewrites the outputs: %s" % counts, counts["updated"] == 2 and
               after == good + "```console\n$ kill -SEGV $$\n```\n")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print("readme self-test: %s" % ("passed" if not fails else "%d failed" % fails))
    return 1 if fails else 0


def main(argv):
    signal.signal(signal.SIGTERM, on_term)
    if len(argv) >= 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    bin_path, srcdir = argv[1], os.path.abspath(argv[2])
    files = argv[3:]
    if not files:
        files = [os.path.join(srcdir, "README.md")]
        docs = os.path.join(srcdir, "docs")
        for name in sorted(os.listdir(docs)):
            p = os.path.join(docs, name)
            if name.endswith(".md"):
                with open(p, encoding="utf-8") as f:
                    if "```console" in f.read():
                        files.append(p)
    update = os.environ.get("UPDATE") == "1"
    counts = {"passed": 0, "failed": 0, "skipped": 0, "updated": 0}
    try:
        for p in files:
            shown = os.path.relpath(p, srcdir)
            check_file(p, shown, bin_path, srcdir, update, counts, print)
    except ValueError as e:
        print("readme: %s" % e)
        return 1
    finally:
        if _current is not None and _current.poll() is None:
            stop(_current)
    if update:
        print("readme: %d commands updated, %d unchanged, %d failed; %d blocks skipped"
              % (counts["updated"], counts["passed"], counts["failed"], counts["skipped"]))
    else:
        print("readme: %d passed, %d failed; %d blocks skipped"
              % (counts["passed"], counts["failed"], counts["skipped"]))
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
