#!/usr/bin/env python3
"""A loopback stand-in for the two forge APIs `scaleplan comment` talks to,
answering as their published documentation describes, failures included
(python3 standard library only; no real GitHub or GitLab can run here).

GitHub REST, issue comments (docs.github.com/rest/issues/comments):
  GET   /repos/{owner}/{repo}/issues/{n}/comments?per_page=&page=   (also /repositories/{id}/...,
        the form GitHub's Link headers use)
  POST  /repos/{owner}/{repo}/issues/{n}/comments        {"body": ...}  -> 201, Location
  PATCH /repos/{owner}/{repo}/issues/comments/{id}       {"body": ...}  -> 200
  Authorization: Bearer TOKEN (or "token TOKEN"); per_page 30 by default, 100 at most; a Link header
  with rel="next", "prev", "first", "last"; x-ratelimit-* headers on every answer; errors as
  {"message", "documentation_url", "status"} with "errors" for 422 (a body over 65,536 characters).
GitLab REST v4, merge request notes (docs.gitlab.com/api/notes):
  GET  /api/v4/projects/{id}/merge_requests/{iid}/notes?per_page=&page=&sort=&order_by=
  POST /api/v4/projects/{id}/merge_requests/{iid}/notes             {"body": ...} -> 201
  PUT  /api/v4/projects/{id}/merge_requests/{iid}/notes/{note_id}   {"body": ...} -> 200
  PRIVATE-TOKEN or Authorization: Bearer; a JOB-TOKEN is refused (401): the Notes API is not among
  the endpoints a CI/CD job token may use. per_page 20 by default, 100 at most; X-Page, X-Per-Page,
  X-Next-Page (empty on the last page), X-Prev-Page, X-Total, X-Total-Pages and Link; {id} is the
  project's ID or its URL-encoded path; a note over 1,000,000 characters is a 400 with
  {"message": {"note": ["is too long (maximum is 1000000 characters)"]}}; system notes are listed and
  cannot be edited.

Configuration (environment; tokens never appear in the log):
  FORGE_GITHUB_TOKEN, FORGE_GITHUB_RO_TOKEN (reads only: writes get 403 "Resource not accessible by
  integration"), FORGE_GITHUB_REPO (owner/name, default acme/shop), FORGE_GITHUB_PULLS (default 7,8),
  FORGE_GITHUB_MAX (body limit, default 65536);
  FORGE_GITLAB_TOKEN, FORGE_GITLAB_GUEST_TOKEN (writes get 403), FORGE_GITLAB_PROJECT (id:path,
  default 42:acme/shop), FORGE_GITLAB_MRS (default 7), FORGE_GITLAB_MAX (default 1000000).

Test controls, under /_test/ (not part of either API):
  GET  /_test/state                   every thread's comments
  POST /_test/seed   {"forge","thread","n","body","system"}  n comments by another user
  POST /_test/faults {"faults": [{"method","path","kind","count"}]}  the next matching requests fail:
       kind "primary" (403, x-ratelimit-remaining 0, reset in 1 s), "secondary" (403, retry-after 1),
       "429" (429, Retry-After 1), "500", "502", "503", "drop" (the connection is closed without an
       answer), "drop-after" (the request is done, then closed without an answer), "foreign-link"
       (a list whose Link rel="next" points to another server)
  POST /_test/limits {"github_max", "gitlab_max"}  a forge whose body limit is lower than documented
  POST /_test/clear-faults
  POST /_test/reset

usage: forge.py PORT LOGFILE     (one JSON line per request: method, path, status, auth scheme, answer)
"""
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

LOCK = threading.Lock()
GH_DOCS = "https://docs.github.com/rest/issues/comments"


def env(name, default=None):
    v = os.environ.get(name)
    return v if v else default


class World:
    def __init__(self):
        self.reset()

    def reset(self):
        self.gh_token = env("FORGE_GITHUB_TOKEN")
        self.gh_ro_token = env("FORGE_GITHUB_RO_TOKEN")
        self.gh_repo = env("FORGE_GITHUB_REPO", "acme/shop")
        self.gh_repo_id = 4242
        self.gh_pulls = {int(x) for x in env("FORGE_GITHUB_PULLS", "7,8").split(",")}
        self.gh_max = int(env("FORGE_GITHUB_MAX", "65536"))
        self.gl_token = env("FORGE_GITLAB_TOKEN")
        self.gl_guest_token = env("FORGE_GITLAB_GUEST_TOKEN")
        pid, _, path = env("FORGE_GITLAB_PROJECT", "42:acme/shop").partition(":")
        self.gl_project = (pid, path)
        self.gl_mrs = {int(x) for x in env("FORGE_GITLAB_MRS", "7").split(",")}
        self.gl_max = int(env("FORGE_GITLAB_MAX", "1000000"))
        self.threads = {}   # ("github", n) or ("gitlab", iid) -> [comment]
        self.next_id = 1000
        self.faults = []
        self.rate_remaining = 5000

    def new_id(self):
        self.next_id += 1
        return self.next_id


W = World()


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "forge-stand-in/1"

    def log_message(self, fmt, *args):  # the JSON log below is the log
        pass

    # ---- plumbing -------------------------------------------------------------------------------

    def read_body(self):
        """Reads the request's body whatever the answer, so the connection stays usable."""
        n = int(self.headers.get("Content-Length") or 0)
        self._raw = self.rfile.read(n) if n else b""
        self._raw_len = len(self._raw)

    def body_json(self):
        try:
            return json.loads(self._raw.decode("utf-8")) if self._raw else None
        except (ValueError, UnicodeDecodeError):
            return ValueError

    def answer(self, status, doc, headers=None, ctype="application/json; charset=utf-8"):
        data = doc if isinstance(doc, bytes) else (json.dumps(doc) + "\n").encode()
        if getattr(self, "_suppress", False):
            # the request was done; its answer is lost on the way
            self.record(0, b"(done; the answer was dropped)")
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        # logged before it is sent, so the log's order is the order of the requests
        self.record(status, data)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def record(self, status, data):
        if self.path.startswith("/_test/"):
            return
        auth = "none"
        if self.headers.get("Authorization"):
            auth = self.headers["Authorization"].split(" ")[0].lower()
        elif self.headers.get("PRIVATE-TOKEN"):
            auth = "private-token"
        elif self.headers.get("JOB-TOKEN"):
            auth = "job-token"
        line = {"method": self.command, "path": self.path, "status": status, "auth": auth,
                "accept": self.headers.get("Accept", ""),
                "api_version": self.headers.get("X-GitHub-Api-Version", ""),
                "request_bytes": getattr(self, "_raw_len", 0),
                "answer": data.decode("utf-8", "replace")[:2000]}
        with LOCK:
            with open(LOGFILE, "a") as f:
                f.write(json.dumps(line) + "\n")

    def drop(self):
        self.record(0, b"")
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    def take_fault(self):
        with LOCK:
            for f in W.faults:
                if f["count"] > 0 and f.get("method", self.command) == self.command and \
                        self.path.startswith(f.get("path", "/")):
                    f["count"] -= 1
                    return f["kind"]
        return None

    def gh_rate_headers(self, remaining=None):
        with LOCK:
            if remaining is None:
                W.rate_remaining = max(W.rate_remaining - 1, 1)
                remaining = W.rate_remaining
        return {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": str(remaining),
                "x-ratelimit-used": str(5000 - remaining), "x-ratelimit-reset": str(int(time.time()) + 3600),
                "x-ratelimit-resource": "core"}

    def fault_answer(self, kind, github):
        """Answers as the forge does when it refuses; returns False for 'drop-after'."""
        if kind == "drop":
            self.drop()
            return True
        if kind in ("drop-after", "foreign-link"):
            return False
        if kind == "primary":
            h = self.gh_rate_headers(0)
            h["x-ratelimit-reset"] = str(int(time.time()) + 1)
            self.answer(403, {"message": "API rate limit exceeded for installation ID 1.",
                              "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                              "status": "403"}, h)
        elif kind == "secondary":
            h = self.gh_rate_headers()
            h["retry-after"] = "1"
            self.answer(403, {"message": "You have exceeded a secondary rate limit. Please wait a few minutes "
                                         "before you try again.",
                              "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                              "status": "403"}, h)
        elif kind == "429":
            if github:
                h = self.gh_rate_headers()
                h["Retry-After"] = "1"
                self.answer(429, {"message": "Too Many Requests", "status": "429"}, h)
            else:
                self.answer(429, b"Retry later\n", {"Retry-After": "1", "RateLimit-Limit": "600",
                                                    "RateLimit-Remaining": "0",
                                                    "RateLimit-Reset": str(int(time.time()) + 1)},
                            ctype="text/plain")
        else:
            status = int(kind)
            if github:
                self.answer(status, {"message": "Server Error", "status": str(status)})
            else:
                self.answer(status, {"message": "%d Internal Server Error" % status})
        return True

    # ---- dispatch -------------------------------------------------------------------------------

    def handle_any(self):
        self._suppress = False
        self.read_body()
        u = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(u.query).items()}
        if u.path.startswith("/_test/"):
            return self.control(u.path)
        github = not u.path.startswith("/api/v4/")
        kind = self.take_fault()
        if kind and self.fault_answer(kind, github):
            return
        self._suppress = kind == "drop-after"
        self._foreign = kind == "foreign-link"
        if github:
            self.github(u.path, q)
        else:
            self.gitlab(u.path, q)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_any

    def control(self, path):
        doc = self.body_json() if self.command == "POST" else None
        with LOCK:
            if path == "/_test/state":
                out = {"%s:%s" % k: v for k, v in sorted(W.threads.items())}
            elif path == "/_test/reset":
                W.reset()
                out = {"ok": True}
            elif path == "/_test/faults":
                for f in doc["faults"]:
                    f.setdefault("count", 1)
                    W.faults.append(f)
                out = {"ok": True}
            elif path == "/_test/clear-faults":
                W.faults = []
                out = {"ok": True}
            elif path == "/_test/limits":
                W.gh_max = int(doc.get("github_max", W.gh_max))
                W.gl_max = int(doc.get("gitlab_max", W.gl_max))
                out = {"ok": True}
            elif path == "/_test/seed":
                key = (doc["forge"], int(doc["thread"]))
                lst = W.threads.setdefault(key, [])
                for i in range(int(doc.get("n", 1))):
                    lst.append(self.make(doc["forge"], doc.get("body", "comment %d" % i), key[1],
                                         user="someone", system=doc.get("system", False)))
                out = {"ok": True, "count": len(lst)}
            else:
                out = None
        if out is None:
            self.answer(404, {"message": "no such control"})
        else:
            self.answer(200, out)

    def make(self, forge, body, number, user="scaleplan-bot", system=False):
        cid = W.new_id()
        if forge == "github":
            base = "http://%s" % self.headers.get("Host", "127.0.0.1")
            return {"id": cid, "node_id": "IC_%d" % cid,
                    "url": "%s/repos/%s/issues/comments/%d" % (base, W.gh_repo, cid),
                    "html_url": "https://github.example/%s/pull/%d#issuecomment-%d" % (W.gh_repo, number, cid),
                    "body": body, "user": {"login": user, "id": 1, "type": "Bot"},
                    "created_at": now_iso(), "updated_at": now_iso(), "author_association": "NONE"}
        return {"id": cid, "type": None, "body": body, "attachment": None,
                "author": {"id": 1, "username": user, "name": user, "state": "active"},
                "created_at": now_iso(), "updated_at": now_iso(), "system": system, "noteable_id": 1,
                "noteable_type": "MergeRequest", "noteable_iid": number, "resolvable": False,
                "confidential": False, "internal": False}

    # ---- GitHub ---------------------------------------------------------------------------------

    def gh_error(self, status, message, errors=None):
        doc = {"message": message, "documentation_url": GH_DOCS, "status": str(status)}
        if errors is not None:
            doc["errors"] = errors
        self.answer(status, doc, self.gh_rate_headers())

    def gh_auth(self):
        """'rw', 'ro', or None after answering 401."""
        a = self.headers.get("Authorization", "")
        m = re.match(r"(?i)^(bearer|token) (\S+)$", a)
        if not a:
            self.gh_error(401, "Requires authentication")
            return None
        if m and W.gh_token and m.group(2) == W.gh_token:
            return "rw"
        if m and W.gh_ro_token and m.group(2) == W.gh_ro_token:
            return "ro"
        self.gh_error(401, "Bad credentials")
        return None

    def github(self, path, q):
        m_list = re.match(r"^/repos/([^/]+)/([^/]+)/issues/(\d+)/comments$", path)
        m_list_id = re.match(r"^/repositories/(\d+)/issues/(\d+)/comments$", path)
        m_item = re.match(r"^/repos/([^/]+)/([^/]+)/issues/comments/(\d+)$", path)
        if not (m_list or m_list_id or m_item):
            return self.gh_error(404, "Not Found")
        access = self.gh_auth()
        if not access:
            return
        if m_list_id:
            if int(m_list_id.group(1)) != W.gh_repo_id:
                return self.gh_error(404, "Not Found")
            repo, number = W.gh_repo, int(m_list_id.group(2))
        elif m_list:
            repo, number = unquote(m_list.group(1)) + "/" + unquote(m_list.group(2)), int(m_list.group(3))
        else:
            repo, number = unquote(m_item.group(1)) + "/" + unquote(m_item.group(2)), None
        if repo.lower() != W.gh_repo.lower() or (number is not None and number not in W.gh_pulls):
            return self.gh_error(404, "Not Found")
        if m_item:
            return self.gh_edit(int(m_item.group(3)), access)
        if self.command == "GET":
            return self.gh_list(number, q)
        if self.command == "POST":
            return self.gh_create(number, access)
        self.gh_error(404, "Not Found")

    def gh_body(self, doc):
        if doc is ValueError:
            self.gh_error(400, "Problems parsing JSON")
            return None
        if not isinstance(doc, dict) or "body" not in doc:
            self.gh_error(422, "Invalid request.\n\n\"body\" wasn't supplied.")
            return None
        if not isinstance(doc["body"], str):
            self.gh_error(422, "Invalid request.\n\nFor 'properties/body', %s is not a string." % json.dumps(doc["body"]))
            return None
        if len(doc["body"]) > W.gh_max:
            self.gh_error(422, "Validation Failed",
                          [{"resource": "IssueComment", "code": "custom", "field": "body",
                            "message": "body is too long (maximum is %d characters)" % W.gh_max}])
            return None
        return doc["body"]

    def gh_list(self, number, q):
        try:
            per = min(max(int(q.get("per_page", 30)), 1), 100)
            page = max(int(q.get("page", 1)), 1)
        except ValueError:
            per, page = 30, 1
        with LOCK:
            lst = list(W.threads.get(("github", number), []))
        last = max((len(lst) + per - 1) // per, 1)
        chunk = lst[(page - 1) * per: page * per]
        base = "http://%s/repositories/%d/issues/%d/comments" % (self.headers.get("Host"), W.gh_repo_id, number)
        links = []
        if page < last:
            links.append('<%s?per_page=%d&page=%d>; rel="next"' % (base, per, page + 1))
            links.append('<%s?per_page=%d&page=%d>; rel="last"' % (base, per, last))
        if page > 1:
            links.append('<%s?per_page=%d&page=%d>; rel="prev"' % (base, per, page - 1))
            links.append('<%s?per_page=%d&page=%d>; rel="first"' % (base, per, 1))
        h = self.gh_rate_headers()
        if getattr(self, "_foreign", False):
            links = ['<http://other.invalid:9/repositories/%d/issues/%d/comments?page=2>; rel="next"'
                     % (W.gh_repo_id, number)]
        if links:
            h["Link"] = ", ".join(links)
        self.answer(200, chunk, h)

    def gh_create(self, number, access):
        doc = self.body_json()
        if access != "rw":
            return self.gh_error(403, "Resource not accessible by integration")
        body = self.gh_body(doc)
        if body is None:
            return
        with LOCK:
            c = self.make("github", body, number)
            W.threads.setdefault(("github", number), []).append(c)
        h = self.gh_rate_headers()
        h["Location"] = c["url"]
        self.answer(201, c, h)

    def gh_edit(self, cid, access):
        if self.command != "PATCH":
            return self.gh_error(404, "Not Found")
        doc = self.body_json()
        with LOCK:
            found = [c for k, lst in W.threads.items() if k[0] == "github" for c in lst if c["id"] == cid]
        if not found:
            return self.gh_error(404, "Not Found")
        if access != "rw":
            return self.gh_error(403, "Resource not accessible by integration")
        body = self.gh_body(doc)
        if body is None:
            return
        with LOCK:
            found[0]["body"] = body
            found[0]["updated_at"] = now_iso()
        self.answer(200, found[0], self.gh_rate_headers())

    # ---- GitLab ---------------------------------------------------------------------------------

    def gl_auth(self):
        if self.headers.get("JOB-TOKEN"):
            # the Notes API is not among the endpoints a CI/CD job token may use
            self.answer(401, {"message": "401 Unauthorized"})
            return None
        tok = self.headers.get("PRIVATE-TOKEN")
        m = re.match(r"(?i)^bearer (\S+)$", self.headers.get("Authorization", ""))
        if m:
            tok = m.group(1)
        if tok and W.gl_token and tok == W.gl_token:
            return "rw"
        if tok and W.gl_guest_token and tok == W.gl_guest_token:
            return "ro"
        self.answer(401, {"message": "401 Unauthorized"})
        return None

    def gitlab(self, path, q):
        m = re.match(r"^/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes(?:/(\d+))?$", path)
        if not m:
            return self.answer(404, {"error": "404 Not Found"})
        access = self.gl_auth()
        if not access:
            return
        pid = unquote(m.group(1))
        if pid not in W.gl_project:
            return self.answer(404, {"message": "404 Project Not Found"})
        iid = int(m.group(2))
        if iid not in W.gl_mrs:
            return self.answer(404, {"message": "404 Not found"})
        note_id = m.group(3)
        if note_id is None and self.command == "GET":
            return self.gl_list(iid, q, path)
        if note_id is None and self.command == "POST":
            return self.gl_write(iid, None, access)
        if note_id is not None and self.command == "PUT":
            return self.gl_write(iid, int(note_id), access)
        self.answer(405, {"message": "405 Method Not Allowed"})

    def gl_list(self, iid, q, path):
        try:
            per = min(max(int(q.get("per_page", 20)), 1), 100)
            page = max(int(q.get("page", 1)), 1)
        except ValueError:
            per, page = 20, 1
        with LOCK:
            lst = list(W.threads.get(("gitlab", iid), []))
        if q.get("sort", "desc") == "desc":
            lst.reverse()
        total = len(lst)
        last = max((total + per - 1) // per, 1)
        chunk = lst[(page - 1) * per: page * per]
        base = "http://%s%s" % (self.headers.get("Host"), path)
        h = {"X-Page": str(page), "X-Per-Page": str(per), "X-Total": str(total), "X-Total-Pages": str(last),
             "X-Next-Page": str(page + 1) if page < last else "",
             "X-Prev-Page": str(page - 1) if page > 1 else ""}
        links = []
        if page < last:
            links.append('<%s?page=%d&per_page=%d>; rel="next"' % (base, page + 1, per))
        if page > 1:
            links.append('<%s?page=%d&per_page=%d>; rel="prev"' % (base, page - 1, per))
        links.append('<%s?page=1&per_page=%d>; rel="first"' % (base, per))
        links.append('<%s?page=%d&per_page=%d>; rel="last"' % (base, last, per))
        h["Link"] = ", ".join(links)
        self.answer(200, chunk, h)

    def gl_write(self, iid, note_id, access):
        doc = self.body_json()
        if doc is ValueError:
            return self.answer(400, {"error": "body is invalid"})
        if access != "rw":
            return self.answer(403, {"message": "403 Forbidden"})
        if not isinstance(doc, dict) or not isinstance(doc.get("body"), str) or not doc["body"]:
            return self.answer(400, {"error": "body is missing"})
        if len(doc["body"]) > W.gl_max:
            return self.answer(400, {"message": {"note": ["is too long (maximum is %d characters)" % W.gl_max]}})
        with LOCK:
            lst = W.threads.setdefault(("gitlab", iid), [])
            if note_id is None:
                n = self.make("gitlab", doc["body"], iid)
                lst.append(n)
                status = 201
            else:
                found = [n for n in lst if n["id"] == note_id]
                if not found:
                    n = None
                else:
                    n = found[0]
                    if n["system"]:
                        n = "system"
                    else:
                        n["body"] = doc["body"]
                        n["updated_at"] = now_iso()
                status = 200
        if n is None:
            return self.answer(404, {"message": "404 Note Not Found"})
        if n == "system":
            return self.answer(403, {"message": "403 Forbidden"})
        self.answer(status, n)


def main():
    global LOGFILE
    port, LOGFILE = int(sys.argv[1]), sys.argv[2]
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
