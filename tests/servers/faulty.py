#!/usr/bin/env python3
"""An HTTP server that fails on demand, for the tests of the HTTP client and
the REST provider (python3 standard library only).

  faulty.py serve --port-file FILE --log FILE [--upstream URL] [--tls CERT KEY]
      Listens on a free port of 127.0.0.1 and writes the port to FILE once it
      accepts connections (with --tls: HTTPS, with the certificate and key of
      those PEM files). Each request that no fault rule takes is passed to
      the upstream server (a json-server) when --upstream is given, else
      answered 200 with {"method": ..., "path": ..., "body": ...} as JSON.
      Each request is logged to the log file as one JSON line: method, path,
      headers (as sent, for the tests to check what was sent), body, and what
      the server did ("fault").

  faulty.py faults URL RULES
      Replaces the fault rules of the server at URL (RULES: a JSON array;
      "[]" clears them). The same as POST URL/_faulty/faults with RULES.

A rule is an object; the first rule that matches a request, and still has
times left, decides the answer:
  method   "POST", ... (absent: any)
  path     a prefix of the request's path (absent: any)
  times    how many requests it takes (absent or -1: every one)
  kind     "status" (default): answers `status` (default 500) with `body`
                     (default {"error": "injected"}) and, when given, a
                     Retry-After header with the value `retry_after`
           "hang":   reads the request, answers nothing for `seconds`
                     (default 30), then closes the connection
           "close":  reads the request and closes the connection at once
           "notjson": answers 200 with a body that is not JSON
           "pass":   passes the request on (to count it with times)
           "lost":   passes the request on, then closes the connection
                     without answering: the request took effect, but its
                     answer was lost
Paths under /_faulty/ are the control interface and are never faulted or
passed on: POST /_faulty/faults (the rules), GET /_faulty/faults.
"""
import http.client
import http.server
import json
import os
import socket
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


class State:
    def __init__(self, log_path, upstream):
        self.lock = threading.Lock()
        self.rules = []
        self.log_path = log_path
        self.upstream = urllib.parse.urlsplit(upstream) if upstream else None

    def take(self, method, path):
        """The rule that answers this request (its times counted), or None."""
        with self.lock:
            for r in self.rules:
                if r.get("method") and r["method"] != method:
                    continue
                if r.get("path") and not path.startswith(r["path"]):
                    continue
                t = r.get("times", -1)
                if t == 0:
                    continue
                if t > 0:
                    r["times"] = t - 1
                return dict(r)
        return None

    def log(self, entry):
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(line)


def check_rules(rules):
    if not isinstance(rules, list):
        raise ValueError("the rules must be a JSON array")
    for r in rules:
        if not isinstance(r, dict):
            raise ValueError("each rule must be an object")
        kind = r.get("kind", "status")
        if kind not in ("status", "hang", "close", "notjson", "pass", "lost"):
            raise ValueError("unknown kind %r" % kind)
        for k in r:
            if k not in ("method", "path", "times", "kind", "status", "body", "retry_after", "seconds"):
                raise ValueError("unknown rule key %r" % k)
    return rules


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faulty/1"

    def log_message(self, fmt, *args):  # the JSON log is the log
        pass

    def setup(self):
        super().setup()
        # headers and body go in separate writes: without this, Nagle's
        # algorithm and the client's delayed ACK hold each answer 40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def answer(self, status, body, ctype="application/json", extra=()):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def control(self, body):
        st = self.server.st
        if self.path == "/_faulty/faults" and self.command == "POST":
            try:
                rules = check_rules(json.loads(body.decode("utf-8") or "[]"))
            except ValueError as e:
                self.answer(400, json.dumps({"error": str(e)}))
                return
            with st.lock:
                st.rules = rules
            self.answer(200, json.dumps({"rules": len(rules)}))
        elif self.path == "/_faulty/faults" and self.command == "GET":
            with st.lock:
                self.answer(200, json.dumps(st.rules))
        else:
            self.answer(404, json.dumps({"error": "no such control path"}))

    def passon(self, body, answer=True):
        st = self.server.st
        if not answer:
            self.answer = lambda *a, **k: None
        if not st.upstream:
            self.answer(200, json.dumps({"method": self.command, "path": self.path,
                                         "body": body.decode("utf-8", "replace")}))
            return "echo"
        conn = http.client.HTTPConnection(st.upstream.hostname, st.upstream.port, timeout=30)
        hdrs = {k: v for k, v in self.headers.items()
                if k.lower() in ("content-type", "accept", "authorization")}
        try:
            conn.request(self.command, self.path, body=body if body else None, headers=hdrs)
            r = conn.getresponse()
            data = r.read()
            extra = [(k, v) for k, v in r.getheaders() if k.lower() in ("location", "retry-after")]
            self.answer(r.status, data, r.getheader("Content-Type") or "application/json", extra)
            return "upstream %d" % r.status
        except OSError as e:
            self.answer(502, json.dumps({"error": "upstream: %s" % e}))
            return "upstream error"
        finally:
            conn.close()

    def handle_any(self):
        st = self.server.st
        body = self.read_body()
        if self.path.startswith("/_faulty/"):
            self.control(body)
            return
        rule = st.take(self.command, self.path)
        kind = rule.get("kind", "status") if rule else None
        entry = {"t": round(time.time(), 3), "method": self.command, "path": self.path,
                 "headers": dict(self.headers.items()), "body": body.decode("utf-8", "replace"),
                 "fault": kind or "none"}
        st.log(entry)
        if kind is None or kind == "pass":
            self.passon(body)
        elif kind == "lost":
            self.passon(body, answer=False)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif kind == "status":
            extra = []
            if "retry_after" in rule:
                extra.append(("Retry-After", str(rule["retry_after"])))
            b = rule.get("body", '{"error": "injected"}')
            self.answer(int(rule.get("status", 500)), b if isinstance(b, str) else json.dumps(b), extra=extra)
        elif kind == "notjson":
            self.answer(200, "<html><body>this is not JSON</body></html>", "text/html")
        elif kind == "close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif kind == "hang":
            end = time.time() + float(rule.get("seconds", 30))
            while time.time() < end:
                time.sleep(0.05)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


USAGE = "usage: faulty.py serve --port-file FILE --log FILE [--upstream URL] [--tls CERT KEY]"


def serve(args):
    opts = {"--port-file": None, "--log": None, "--upstream": None, "--tls": None}
    i = 0
    while i < len(args):
        n = 2 if args[i] == "--tls" else 1
        if args[i] not in opts or i + n >= len(args):
            sys.exit(USAGE)
        opts[args[i]] = args[i + 1:i + 1 + n] if n > 1 else args[i + 1]
        i += 1 + n
    if not opts["--port-file"] or not opts["--log"]:
        sys.exit(USAGE)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.st = State(opts["--log"], opts["--upstream"])
    if opts["--tls"]:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts["--tls"][0], opts["--tls"][1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    open(opts["--log"], "a").close()
    tmp = opts["--port-file"] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, opts["--port-file"])
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


def set_faults(url, rules):
    req = urllib.request.Request(url.rstrip("/") + "/_faulty/faults", data=rules.encode("utf-8"),
                                 method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            r.read()
    except urllib.error.HTTPError as e:
        sys.exit("faulty.py: %s refused the rules: %s" % (url, e.read().decode("utf-8", "replace")))
    except OSError as e:
        sys.exit("faulty.py: %s: %s" % (url, e))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "serve":
        serve(sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "faults":
        set_faults(sys.argv[2], sys.argv[3])
    else:
        sys.exit(USAGE + " | faulty.py faults URL RULES")


if __name__ == "__main__":
    main()
