#!/usr/bin/env python3
"""A fault-injecting HTTP proxy in front of a real server (an etcd member),
for the tests of network faults: it forwards every request as it is and
sends the answer back, unless its control file says otherwise.

    fault_proxy.py PORTFILE TARGET CONTROL

PORTFILE gets the port it listens on (127.0.0.1, picked free); TARGET is the
server's base URL (http://127.0.0.1:2379); CONTROL is a file read before each
request, one word and a number:

    pass          forward (also when the file is missing or empty)
    slow MS       forward, but answer MS milliseconds late
    fail N        answer the next N requests with HTTP 503 and the body etcd's
                  gateway sends when a member has no leader ({"error": ...,
                  "code": 14, "message": "etcdserver: no leader"}), counting
                  down in the file itself, then pass
    down          answer every request with HTTP 500 and a gRPC "unknown" error

Standard library only. Stopped by its PID (SIGTERM)."""
import http.server
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request

portfile, target, control = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3]
lock = threading.Lock()


def mode():
    try:
        with open(control) as f:
            words = f.read().split()
    except OSError:
        return ("pass", 0)
    if not words:
        return ("pass", 0)
    return (words[0], int(words[1]) if len(words) > 1 else 0)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with lock:
            kind, n = mode()
            if kind == "fail" and n > 0:
                with open(control, "w") as f:
                    f.write("fail %d\n" % (n - 1) if n > 1 else "pass\n")
                err = {"error": "etcdserver: no leader", "code": 14, "message": "etcdserver: no leader"}
                self.answer(503, json.dumps(err).encode())
                return
        if kind == "down":
            err = {"error": "internal error", "code": 2, "message": "internal error"}
            self.answer(500, json.dumps(err).encode())
            return
        headers = {"Content-Type": self.headers.get("Content-Type", "application/json")}
        if self.headers.get("Authorization"):
            headers["Authorization"] = self.headers["Authorization"]
        req = urllib.request.Request(target + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, data, ctype = r.status, r.read(), r.headers.get("Content-Type", "application/json")
        except urllib.error.HTTPError as e:
            status, data, ctype = e.code, e.read(), e.headers.get("Content-Type", "application/json")
        except Exception as e:  # the target is down: as a gateway would say it
            status, data, ctype = 502, str(e).encode(), "text/plain"
        if kind == "slow":
            time.sleep(n / 1000.0)
        try:
            self.answer(status, data, ctype)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
