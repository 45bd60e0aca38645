#!/usr/bin/env python3
"""A stand-in for a server of Terraform's HTTP state backend protocol, for the tests.

It answers as Terraform's documentation of the `http` backend and GitLab's
"GitLab-managed Terraform state" API describe the protocol:

  GET    ADDRESS            200 and the state as stored; 204 (or 404, --missing 404) when there is none
  POST   ADDRESS[?ID=LOCK]  stores the body as the state (the method is --update-method); an empty body
                            is answered 204 and stores nothing; while the state is locked, the ID must be
                            the holder's, and while it is not, no ID may be given: otherwise 409 Conflict
                            with the holder's lock info (GitLab's rule)
  DELETE ADDRESS            removes the state (same ID rule)
  LOCK   LOCK_ADDRESS       body: the lock info JSON (ID, Operation, Info, Who, Version, Created, Path, all
                            strings, 400 otherwise); 200 when the lock is taken, 423 Locked (or 409
                            Conflict, --conflict 409) with the holder's lock info when it is held
  UNLOCK UNLOCK_ADDRESS     body: lock info whose ID is the holder's: 200; another ID, or no lock: 409
                            Conflict with the holder's lock info (an empty body when there is no lock)

LOCK_ADDRESS and UNLOCK_ADDRESS are ADDRESS itself or ADDRESS/lock (GitLab's layout, where the methods
are POST and DELETE: --lock-method and --unlock-method). Every path is a state of its own, so one server
holds the states of many tests. With --user, every request needs HTTP basic auth: none is 401 (with
WWW-Authenticate), a wrong user or password 403. The password is read from the environment variable
TFSTATE_PASSWORD, never from the command line.

Failure injection, for the test that started the server: POST /_control with a JSON object:
  {"reset": true}                      forget every state, lock and rule
  {"rules": [RULE, ...]}               replace the rules; the first rule that matches a request acts
  {"missing": 204|404, "conflict": 409|423}
  {"put": {"path": P, "body": TEXT}}   store TEXT as the state at P, as it is
  {"lock": {"path": P, "info": {...}}} make P locked by that lock info
A RULE is {"method": "POST" or "*", "path": substring, "skip": K, "count": N (-1: always),
"action": A, "status": S, "ms": M, "body": TEXT}: the first K requests it matches pass, the next N get
the action: "status" answers S (default 500) with TEXT and does nothing else; "delay" waits M ms, then
answers as usual; "close" closes the connection without an answer; "drop" does the request, then closes
the connection without an answer (the client cannot tell whether it was done).
GET /_control answers {"states": {path: bytes}, "locks": {path: lock info}, "requests": n}.

Every request is logged to --log, one line: METHOD PATH STATUS (or "closed", "dropped"), the user when
one was sent, never a password.

Usage:
  tfstate.py serve --log FILE [--port N] [--port-file F] [--data DIR] [--user U] [--update-method M]
                   [--lock-method M] [--unlock-method M] [--conflict 409|423] [--missing 204|404]
                   [--exit-with PID]
  tfstate.py ctl URL JSON        POST JSON to URL/_control, print the answer
  tfstate.py get URL             GET URL/_control, print the answer
"""
import base64
import hmac
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK_FIELDS = ("ID", "Operation", "Info", "Who", "Version", "Created", "Path")
MAX_BODY = 512 << 20


class Store:
    """States and locks by path, the rules, and the log; one mutex for all."""

    def __init__(self, args):
        self.mu = threading.Lock()
        self.args = args
        self.states = {}
        self.locks = {}
        self.rules = []
        self.requests = 0
        self.missing = args.missing
        self.conflict = args.conflict
        self.log = open(args.log, "a", buffering=1)
        self.log_mu = threading.Lock()
        self.load()

    # -- optional persistence, so that a server stopped and started again keeps its states
    def _data_file(self):
        return os.path.join(self.args.data, "tfstate.json") if self.args.data else None

    def load(self):
        f = self._data_file()
        if f and os.path.exists(f):
            with open(f) as fh:
                d = json.load(fh)
            self.states = {k: v.encode("latin-1") for k, v in d.get("states", {}).items()}
            self.locks = d.get("locks", {})

    def save(self):
        f = self._data_file()
        if not f:
            return
        tmp = f + ".tmp"
        with open(tmp, "w") as fh:
            json.dump({"states": {k: v.decode("latin-1") for k, v in self.states.items()},
                       "locks": self.locks}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, f)

    def write_log(self, line):
        with self.log_mu:
            self.log.write(line + "\n")

    def match_rule(self, method, path):
        """The action of the first rule that matches (and counts the request), or None."""
        for r in self.rules:
            if r.get("method", "*") not in ("*", method):
                continue
            if r.get("path") and r["path"] not in path:
                continue
            if r.get("skip", 0) > 0:
                r["skip"] -= 1
                return None
            n = r.get("count", 1)
            if n == 0:
                continue
            if n > 0:
                r["count"] = n - 1
            return dict(r)
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tfstate-standin/1"
    store = None  # set by serve()

    def log_message(self, fmt, *a):  # the log file is ours; stderr stays quiet
        pass

    def __getattr__(self, name):
        # every method (LOCK, UNLOCK, PUT, ...) goes to one dispatcher
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    # -- answers
    def answer(self, status, body=b"", ctype="application/json", extra=None):
        if isinstance(body, str):
            body = body.encode()
        if not self.path.startswith("/_control"):
            # logged before the answer is sent: a client that has its answer finds the line
            self.store.write_log("%s %s %s%s" % (self.command, self.path, status, self.note))
        self.logged = status
        self.send_response(status)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > MAX_BODY:
            return None
        data = b""
        while len(data) < n:
            chunk = self.rfile.read(n - len(data))
            if not chunk:
                break
            data += chunk
        return data

    def auth_user(self):
        """(ok, user): ok is None when auth is fine, else the status to answer."""
        want = self.store.args.user
        h = self.headers.get("Authorization") or ""
        user = None
        if h.startswith("Basic "):
            try:
                user, _, pw = base64.b64decode(h[6:]).decode("utf-8").partition(":")
            except Exception:
                return 403, None
        if not want:
            return None, user
        if user is None:
            return 401, None
        good = hmac.compare_digest(user.encode(), want.encode()) and \
            hmac.compare_digest(pw.encode(), os.environ.get("TFSTATE_PASSWORD", "").encode())
        return (None, user) if good else (403, user)

    # -- the protocol
    def dispatch(self):
        st = self.store
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        body = self.read_body()
        self.logged = None
        self.note = ""
        if body is None:
            self.answer(413, '{"message": "too large"}')
            return
        if path == "/_control":
            self.control(body)
            return
        bad, user = self.auth_user()
        self.note = " user=%s" % user if user else ""
        with st.mu:
            st.requests += 1
            rule = st.match_rule(self.command, self.path)
        try:
            if rule and rule.get("action", "status") == "delay":
                time.sleep(rule.get("ms", 0) / 1000.0)
                rule = None
            if rule and rule.get("action", "status") == "close":
                self.close_connection = True
                self.logged = "closed"
                return
            if rule and rule.get("action", "status") == "status":
                self.answer(rule.get("status", 500), rule.get("body", '{"message": "injected failure"}'))
                return
            if bad:
                extra = {"WWW-Authenticate": 'Basic realm="tfstate"'} if bad == 401 else None
                self.answer(bad, '{"message": "%s"}' % ("401 Unauthorized" if bad == 401 else "403 Forbidden"),
                            extra=extra)
                return
            self._drop = bool(rule and rule.get("action") == "drop")
            with st.mu:
                self.protocol(path, query, body)
            if self._drop:
                self.close_connection = True
        finally:
            if self.logged in ("closed", "dropped"):
                st.write_log("%s %s %s%s" % (self.command, self.path, self.logged, self.note))

    def protocol(self, path, query, body):
        """Runs under the store's mutex."""
        st, a = self.store, self.store.args
        m = self.command
        is_lock_path = path.endswith("/lock")
        name = path[:-5] if is_lock_path else path
        if m == "GET" and not is_lock_path:
            op = "get"
        elif m == a.update_method and not is_lock_path:
            op = "update"
        elif m == a.lock_method:
            op = "lock"
        elif m == a.unlock_method:
            op = "unlock"
        elif m == "DELETE" and not is_lock_path:
            op = "delete"
        else:
            self.pending(405, '{"message": "method %s is not allowed here"}' % m)
            return
        getattr(self, "op_" + op)(st, name, query, body)

    def pending(self, status, body=b""):
        # a "drop" rule: the request is done, and the answer is never sent
        if getattr(self, "_drop", False):
            self.logged = "dropped"
            return
        self.answer(status, body)

    def holder(self, st, name):
        info = st.locks.get(name)
        return json.dumps(info) if info else ""

    def op_get(self, st, name, query, body):
        if name not in st.states:
            self.pending(st.missing, '{"message": "404 Not Found"}' if st.missing == 404 else b"")
            return
        self.pending(200, st.states[name])

    def id_matches(self, st, name, query):
        given = (query.get("ID") or [None])[0]
        info = st.locks.get(name)
        if info is None:
            return not given
        return given is not None and hmac.compare_digest(given.encode(), info["ID"].encode())

    def op_update(self, st, name, query, body):
        if not body:
            self.pending(204)
            return
        if not self.id_matches(st, name, query):
            self.pending(409, self.holder(st, name) or '{"message": "the state is not locked"}')
            return
        st.states[name] = body
        st.save()
        self.pending(200)

    def op_delete(self, st, name, query, body):
        if not self.id_matches(st, name, query):
            self.pending(409, self.holder(st, name) or '{"message": "the state is not locked"}')
            return
        if name not in st.states:
            self.pending(404, '{"message": "404 Not Found"}')
            return
        del st.states[name]
        st.save()
        self.pending(200)

    def lock_info(self, body):
        try:
            info = json.loads(body.decode("utf-8"))
        except Exception:
            return None, "the body is not JSON"
        if not isinstance(info, dict):
            return None, "the body is not a JSON object"
        for k in LOCK_FIELDS:
            if not isinstance(info.get(k), str):
                return None, "%s is missing or not a string" % k
        if not info["ID"]:
            return None, "ID is empty"
        return info, None

    def op_lock(self, st, name, query, body):
        info, why = self.lock_info(body)
        if info is None:
            self.pending(400, json.dumps({"error": why}))
            return
        if name in st.locks:
            self.pending(st.conflict, self.holder(st, name))
            return
        st.locks[name] = info
        st.save()
        self.pending(200, json.dumps(info))

    def op_unlock(self, st, name, query, body):
        try:
            info = json.loads(body.decode("utf-8")) if body else {}
        except Exception:
            info = None
        if not isinstance(info, dict):
            self.pending(400, '{"error": "the body is not a JSON object"}')
            return
        given = info.get("ID") or (query.get("ID") or [None])[0]
        held = st.locks.get(name)
        if held is None or not isinstance(given, str) or not hmac.compare_digest(given.encode(), held["ID"].encode()):
            self.pending(409, self.holder(st, name))
            return
        del st.locks[name]
        st.save()
        self.pending(200)

    # -- the test's control
    def control(self, body):
        st = self.store
        if self.command == "GET":
            with st.mu:
                out = {"states": {k: len(v) for k, v in st.states.items()}, "locks": st.locks,
                       "requests": st.requests, "rules": st.rules}
            self.answer(200, json.dumps(out, sort_keys=True))
            return
        try:
            c = json.loads(body.decode("utf-8"))
            assert isinstance(c, dict)
        except Exception:
            self.answer(400, '{"error": "control: a JSON object, please"}')
            return
        with st.mu:
            if c.get("reset"):
                st.states, st.locks, st.rules = {}, {}, []
                st.missing, st.conflict = st.args.missing, st.args.conflict
            if "rules" in c:
                st.rules = [dict(r) for r in c["rules"]]
            if "missing" in c:
                st.missing = int(c["missing"])
            if "conflict" in c:
                st.conflict = int(c["conflict"])
            if "put" in c:
                st.states[c["put"]["path"]] = c["put"]["body"].encode("utf-8")
            if "lock" in c:
                st.locks[c["lock"]["path"]] = c["lock"]["info"]
            st.save()
            st.write_log("CONTROL %s" % json.dumps(c, sort_keys=True))
        self.answer(200, '{"ok": true}')


def watch_parent(pid):
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass
        time.sleep(0.5)


def serve(argv):
    import argparse
    p = argparse.ArgumentParser(prog="tfstate.py serve")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--log", required=True)
    p.add_argument("--data")
    p.add_argument("--user")
    p.add_argument("--update-method", default="POST")
    p.add_argument("--lock-method", default="LOCK")
    p.add_argument("--unlock-method", default="UNLOCK")
    p.add_argument("--conflict", type=int, choices=(409, 423), default=423)
    p.add_argument("--missing", type=int, choices=(204, 404), default=204)
    p.add_argument("--exit-with", type=int)
    args = p.parse_args(argv)
    if args.user and not os.environ.get("TFSTATE_PASSWORD"):
        sys.stderr.write("tfstate.py: --user needs the password in TFSTATE_PASSWORD\n")
        return 2
    Handler.store = Store(args)
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as fh:
            fh.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    if args.exit_with:
        threading.Thread(target=watch_parent, args=(args.exit_with,), daemon=True).start()
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


def ctl(argv):
    url = argv[0].rstrip("/") + "/_control"
    if len(argv) > 1:
        req = urllib.request.Request(url, data=argv[1].encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    else:
        req = urllib.request.Request(url)
    with urllib.request.urlopen(req, timeout=10) as r:
        sys.stdout.write(r.read().decode() + "\n")
    return 0


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "serve":
        return serve(rest)
    if cmd in ("ctl", "get") and rest:
        return ctl(rest if cmd == "ctl" else rest[:1])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
