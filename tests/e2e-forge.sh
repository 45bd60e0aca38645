#!/bin/sh
# End-to-end tests of the pull-request workflow:
#   - `scaleplan comment github|gitlab` against tests/servers/forge.py, a loopback stand-in that
#     answers as GitHub's issue comments API and GitLab's merge request notes API do (pagination,
#     tokens, 401/403/404/422/400, rate limits with their headers, body limits), started here on a
#     free port and stopped by its PID on every exit path;
#   - every plan document checked against docs/plan.schema.json (tests/plan_schema_check.py);
#   - a saved plan applied on merge: as it is when nothing moved, else planned again, with the
#     resources that moved, and applied only with --auto-approve.
#   usage: sh tests/e2e-forge.sh BIN SRCDIR
# The tokens are made up here; every output (stdout, stderr, the stand-in's log of requests and
# answers) is searched for them at the end.
set -u
BIN=$1
SRC=$2
. "$SRC/tests/servers/lib.sh"
export NO_COLOR=1 SCALEPLAN_NOW=2027-01
unset GITHUB_TOKEN GITHUB_REPOSITORY GITHUB_EVENT_PATH GITHUB_API_URL GITLAB_TOKEN CI_JOB_TOKEN \
    CI_PROJECT_ID CI_MERGE_REQUEST_IID CI_API_V4_URL SCALEPLAN_FAULT_AT SCALEPLAN_FAULT_KIND
pass=0
fail=0
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sp-e2e-forge.XXXXXX")
PID=""
cleanup() {
    [ -n "$PID" ] && sp_stop "$PID"
    PID=""
    rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL e2e-forge/$CASE: $*"; [ -f "$ROOT/out" ] && sed 's/^/  | /' "$ROOT/out" | head -30; }
# run EXPECTED_EXIT ARGS...: runs scaleplan, output in $ROOT/out (and kept in $ROOT/all for the secret check)
run() {
    want=$1; shift
    [ -n "${SP_E2E_TIME:-}" ] && date +%s.%N >&2 && echo "  $*" >&2
    "$BIN" "$@" >"$ROOT/out" 2>&1
    got=$?
    cat "$ROOT/out" >>"$ROOT/all"
    if [ "$got" = "$want" ]; then ok; else bad "scaleplan $* exited $got, expected $want"; fi
}
has() { if grep -q -- "$1" "$ROOT/out"; then ok; else bad "output lacks '$1'"; fi; }
hasnt() { if grep -q -- "$1" "$ROOT/out"; then bad "output has '$1'"; else ok; fi; }
same() { if [ "$1" = "$2" ]; then ok; else bad "$3: '$1' != '$2'"; fi; }
case_() { CASE=$1; }

# ---- the stand-in -------------------------------------------------------------------------------
GH_TOK="ghs_e2e$$x7Qm2secretTOKENgh"
RO_TOK="ghs_e2e$$readonlySECRETro"
GL_TOK="glpat-e2e$$secretTOKENgl"
GUEST_TOK="glpat-e2e$$guestSECRETgu"
JOB_TOK="jobtok-e2e$$SECRETjob"
PORT=$(sp_free_port)
API="http://127.0.0.1:$PORT"
LOG="$ROOT/forge.log"
: >"$LOG"
FORGE_GITHUB_TOKEN=$GH_TOK FORGE_GITHUB_RO_TOKEN=$RO_TOK FORGE_GITLAB_TOKEN=$GL_TOK \
    FORGE_GITLAB_GUEST_TOKEN=$GUEST_TOK FORGE_GITLAB_MRS=7,8 \
    python3 "$SRC/tests/servers/forge.py" "$PORT" "$LOG" >"$ROOT/forge.err" 2>&1 &
PID=$!
if ! sp_wait_http "$API/_test/state" 20; then
    echo "e2e-forge: the forge stand-in did not start:"
    cat "$ROOT/forge.err"
    exit 1
fi

# ctl PATH [JSON]: a test control of the stand-in
ctl() {
    python3 - "$API$1" "${2:-}" <<'PY' >/dev/null
import sys, urllib.request
data = sys.argv[2].encode() if sys.argv[2] else None
req = urllib.request.Request(sys.argv[1], data=data, method="POST" if data else "GET",
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=10).read()
PY
}
# st EXPR: EXPR in python over s, the stand-in's comments by thread ("github:7", "gitlab:7")
st() {
    python3 - "$API/_test/state" "$1" <<'PY'
import json, sys, urllib.request
s = json.load(urllib.request.urlopen(sys.argv[1], timeout=10))
print(eval(sys.argv[2]))
PY
}
# lg EXPR: EXPR in python over L, the requests logged since mark (a line count in $ROOT/mark)
mark() { wc -l <"$LOG" | tr -d ' ' >"$ROOT/mark"; }
lg() {
    python3 - "$LOG" "$(cat "$ROOT/mark")" "$1" <<'PY'
import json, sys
L = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()[int(sys.argv[2]):]]
print(eval(sys.argv[3]))
PY
}

W="$ROOT/work"
mkdir -p "$W" && cd "$W" || exit 1
cp "$SRC/examples/saas-web.yaml" scaleplan.yaml
"$BIN" plan -out plan.json >/dev/null 2>&1 || { echo "e2e-forge: cannot make a plan"; exit 1; }
"$BIN" plan --at 2029-06 -out later.json >/dev/null 2>&1 || { echo "e2e-forge: cannot make a plan"; exit 1; }
MARK='<!-- scaleplan:comment name=acme-shop -->'

# ---- GitHub: create, then edit the same comment ------------------------------------------------
gh_env() {
    export GITHUB_TOKEN=$GH_TOK GITHUB_REPOSITORY=acme/shop GITHUB_API_URL=$API
}
case_ github-create
gh_env
mark
run 0 comment github --plan plan.json --number 7
has "Posted the comment for 'acme-shop' on pull request #7 of acme/shop: https://"
same "$(st 'len(s["github:7"])')" 1 "comments on #7"
same "$(st 's["github:7"][0]["body"].split("\n")[0]')" "$MARK" "the marker line"
same "$(st '"11 to create" in s["github:7"][0]["body"]')" True "the plan's summary in the comment"
same "$(lg '[(l["method"], l["auth"], l["accept"], l["api_version"]) for l in L]')" \
    "[('GET', 'bearer', 'application/vnd.github+json', '2022-11-28'), ('POST', 'bearer', 'application/vnd.github+json', '2022-11-28')]" \
    "requests and their headers"

case_ github-update
first=$(st 's["github:7"][0]["id"]')
mark
run 0 comment github --plan later.json --number 7
has "Updated the comment for 'acme-shop' on pull request #7"
same "$(st 'len(s["github:7"])')" 1 "comments on #7 after the second run"
same "$(st 's["github:7"][0]["id"]')" "$first" "the comment edited is the first one"
same "$(st '"at 2029-06" in s["github:7"][0]["body"]')" True "the comment shows the new plan"
same "$(lg '[l["method"] + " " + l["path"].split("?")[0] for l in L]')" \
    "['GET /repos/acme/shop/issues/7/comments', 'PATCH /repos/acme/shop/issues/comments/$first']" "a GET then a PATCH"

# ---- several specs keep separate comments; a quote of the marker is not the comment --------------
case_ github-two-specs
printf '> %s\n> quoted by a reviewer\n' "$MARK" >quote.md
ctl /_test/seed "{\"forge\": \"github\", \"thread\": 7, \"n\": 1, \"body\": $(python3 -c 'import json,sys; print(json.dumps(open("quote.md").read()))')}"
printf '## other spec\n\nhello\n' >other.md
run 0 comment github --markdown other.md --name payments --number 7
has "Posted the comment for 'payments'"
run 0 comment github --markdown other.md --name payments --number 7
has "Updated the comment for 'payments'"
run 0 comment github --plan plan.json --number 7
has "Updated the comment for 'acme-shop'"
same "$(st 'len(s["github:7"])')" 3 "comments on #7: two specs and a quote"
same "$(st 's["github:7"][1]["body"].startswith("> ")')" True "the quote is left as it was"
same "$(st 's["github:7"][2]["body"].split("\n")[0]')" "<!-- scaleplan:comment name=payments -->" "the other spec's marker"
# a name that could end the HTML comment is encoded
run 0 comment github --markdown other.md --name 'x --> y' --number 7 --dry-run
has '<!-- scaleplan:comment name=x%20--%3E%20y -->'

# ---- pagination: the comment is found on a later page, through the Link header ------------------
case_ github-pages
ctl /_test/seed '{"forge": "github", "thread": 8, "n": 150, "body": "looks good"}'
run 0 comment github --plan plan.json --number 8
has "Posted"
ctl /_test/seed '{"forge": "github", "thread": 8, "n": 100, "body": "+1"}'
mark
run 0 comment github --plan later.json --number 8 -v
has "Updated"
same "$(st 'len(s["github:8"])')" 251 "comments on #8"
same "$(st '[c["body"].startswith("<!--") for c in s["github:8"]].count(True)')" 1 "scaleplan comments on #8"
same "$(lg '[l["path"] for l in L if l["method"] == "GET"]')" \
    "['/repos/acme/shop/issues/8/comments?per_page=100&page=1', '/repositories/4242/issues/8/comments?per_page=100&page=2', '/repositories/4242/issues/8/comments?per_page=100&page=3']" \
    "the pages read, by the Link header's next"
has "GET $API/repositories/4242/issues/8/comments?per_page=100&page=3: HTTP 200 (1 attempt)"
# a next page on another server is not followed with the token
ctl /_test/faults '{"faults": [{"method": "GET", "path": "/repos/acme/shop/issues/8/", "kind": "foreign-link"}]}'
run 1 comment github --plan plan.json --number 8
has "the next page of comments is on another server (http://other.invalid:9/"

# ---- the pull request from the event file ------------------------------------------------------
case_ github-event
printf '{"action": "synchronize", "number": 8, "pull_request": {"number": 8, "title": "x"}}\n' >event.json
GITHUB_EVENT_PATH=$W/event.json run 0 comment github --plan plan.json
has "on pull request #8 of acme/shop"
printf '{"issue": {"number": 7, "pull_request": {"url": "x"}}, "comment": {"id": 1}}\n' >event2.json
GITHUB_EVENT_PATH=$W/event2.json run 0 comment github --plan plan.json
has "on pull request #7 of acme/shop"
printf '{"ref": "refs/heads/main", "after": "abc"}\n' >push.json
GITHUB_EVENT_PATH=$W/push.json run 1 comment github --plan plan.json
has "push.json: the event has no pull request (pull_request.number)"
GITHUB_EVENT_PATH=$W/nothere.json run 1 comment github --plan plan.json
has "nothere.json: cannot read the event file (GITHUB_EVENT_PATH)"
printf '{"pull_request": {"number": "7"}}' >str.json
GITHUB_EVENT_PATH=$W/str.json run 1 comment github --plan plan.json
has "not a positive integer"
run 1 comment github --plan plan.json
has "GITHUB_EVENT_PATH is not set"

# ---- GitHub's refusals: 401, 403, 404, 422 -----------------------------------------------------
case_ github-errors
GITHUB_TOKEN=ghs_wrong run 1 comment github --plan plan.json --number 7
has "error: GitHub: GET $API/repos/acme/shop/issues/7/comments?per_page=100&page=1: HTTP 401: Bad credentials"
has "GitHub refused the token in GITHUB_TOKEN"
has "was not posted or updated"
GITHUB_TOKEN=$RO_TOK run 1 comment github --plan plan.json --number 8
has "error: GitHub: PATCH $API/repos/acme/shop/issues/comments/[0-9]*: HTTP 403: Resource not accessible by integration"
has "permissions: pull-requests: write"
run 1 comment github --plan plan.json --number 99
has "HTTP 404: Not Found"
has "no such repository or pull request"
run 1 comment github --plan plan.json --number 7 --repo acme/other
has "GET $API/repos/acme/other/issues/7/comments"
has "HTTP 404"
GITHUB_TOKEN= run 1 comment github --plan plan.json --number 7
has "GITHUB_TOKEN is not set"
GITHUB_REPOSITORY= run 1 comment github --plan plan.json --number 7
has "GITHUB_REPOSITORY is not set"
run 1 comment github --plan plan.json --number 7 --repo 'acme'
has "the repository 'acme' (--repo) is not OWNER/NAME"
GITHUB_API_URL=ftp://x run 1 comment github --plan plan.json --number 7
has "the API URL 'ftp://x' (GITHUB_API_URL) is not an http:// or https:// URL"
GITHUB_TOKEN="two words" run 1 comment github --plan plan.json --number 7
has "GITHUB_TOKEN holds a character a token cannot have"
hasnt "two words"
# nothing listens there
GITHUB_API_URL=http://127.0.0.1:$(sp_free_port) run 1 comment github --plan plan.json --number 7 --max-time 2s
has "error: GitHub: GET http://127.0.0.1:[0-9]*/repos/acme/shop/issues/7/comments?per_page=100&page=1: "
has "attempts in"

# ---- too long: shortened with a note, never refused ---------------------------------------------
case_ github-long
python3 - <<'PY'
lines = ["| row %d | %s | é |" % (i, "x" * 60) for i in range(2000)]
open("big.md", "w").write("## big\n\n<details><summary>all</summary>\n\n```\n" + "\n".join(lines) + "\n```\n\n</details>\n")
PY
mark
run 0 comment github --markdown big.md --name big --number 7
has "Posted"
has "The text was shortened to [0-9]* characters to fit GitHub's limit of 65536"
n=$(st '[c for c in s["github:7"] if "name=big" in c["body"]][0]["body"]')
same "$(st 'len([c for c in s["github:7"] if "name=big" in c["body"]][0]["body"]) <= 65536')" True "the body fits"
same "$(st '"*Shortened to fit GitHub" in [c for c in s["github:7"] if "name=big" in c["body"]][0]["body"]')" True "the note"
same "$(st '[c for c in s["github:7"] if "name=big" in c["body"]][0]["body"].count("```") % 2')" 0 "the code block is closed"
same "$(st '[c for c in s["github:7"] if "name=big" in c["body"]][0]["body"].count("</details>")')" 1 "the details block is closed"
same "$(lg 'sorted(set(l["status"] for l in L))')" "[200, 201]" "no 422 for a body cut to the documented limit"
# a forge whose limit is lower than documented answers 422; the comment is cut to what it says
ctl /_test/limits '{"github_max": 20000}'
mark
run 0 comment github --markdown big.md --name big --number 7
has "Updated"
has "to fit GitHub's limit of 20000"
same "$(st 'len([c for c in s["github:7"] if "name=big" in c["body"]][0]["body"]) <= 20000')" True "the body fits the lower limit"
same "$(lg '[l["status"] for l in L if l["method"] == "PATCH"]')" "[422, 200]" "a 422, then the shortened body"
same "$(lg '"body is too long (maximum is 20000 characters)" in [l for l in L if l["status"] == 422][0]["answer"]')" True "the 422's errors"
ctl /_test/limits '{"github_max": 65536}'

# ---- rate limits and server errors: retried with backoff, never posted twice ---------------------
case_ github-retry
ctl /_test/faults '{"faults": [{"method": "GET", "path": "/repos/acme/shop/issues/7/", "kind": "primary"}]}'
mark
run 0 comment github --plan plan.json --number 7 -v
has "Updated the comment for 'acme-shop'"
same "$(lg '[l["status"] for l in L]')" "[403, 200, 200]" "a primary rate limit waited out"
has "GET $API/repos/acme/shop/issues/7/comments?per_page=100&page=1: HTTP 200 (2 attempts)"
# a secondary rate limit (403 with retry-after) on a create, then a 502 and a 429
ctl /_test/faults '{"faults": [{"method": "POST", "kind": "secondary"}, {"method": "GET", "kind": "502"}, {"method": "POST", "kind": "429"}]}'
mark
run 0 comment github --markdown other.md --name retry --number 8
has "Posted"
same "$(lg '[(l["method"], l["status"]) for l in L if l["path"].endswith("&page=1") or l["method"] == "POST"]')" \
    "[('GET', 502), ('GET', 200), ('POST', 403), ('GET', 200), ('POST', 429), ('GET', 200), ('POST', 201)]" \
    "a create sent again only after searching again"
same "$(st '[c["body"].split("\n")[0] for c in s["github:8"]].count("<!-- scaleplan:comment name=retry -->")')" 1 "one comment"
# the create was done but its answer lost: found on the next search, not posted twice
ctl /_test/faults '{"faults": [{"method": "POST", "kind": "drop-after"}]}'
run 0 comment github --markdown other.md --name lost --number 8
same "$(st '[c["body"].split("\n")[0] for c in s["github:8"]].count("<!-- scaleplan:comment name=lost -->")')" 1 "one comment after a lost answer"
# a server that keeps failing: exit 1 within --max-time, with the status
ctl /_test/faults '{"faults": [{"method": "GET", "kind": "503", "count": 1000}]}'
t0=$(date +%s)
run 1 comment github --plan plan.json --number 7 --max-time 2s
t1=$(date +%s)
has "HTTP 503: Server Error (after retries)"
if [ $((t1 - t0)) -le 10 ]; then ok; else bad "gave up after $((t1 - t0)) s with --max-time 2s"; fi
ctl /_test/clear-faults

# ---- inputs and usage ---------------------------------------------------------------------------
case_ inputs
mark
run 0 comment github --markdown other.md --number 7 --dry-run
has "Would post or update the comment for 'acme-shop' on pull request #7 of acme/shop ($API/repos/acme/shop/issues/7/comments), nothing sent"
has "$MARK"
same "$(lg 'len(L)')" 0 "requests made by --dry-run"
printf '## diff\n\ncapacity +3\n' >diff.md
run 0 comment github --diff diff.md --name diffspec --number 7
has "Posted the comment for 'diffspec'"
same "$(st '[c["body"] for c in s["github:7"] if "name=diffspec" in c["body"]][0].endswith("capacity +3\n")')" True "the diff's markdown as it is"
run 0 comment github --diff plan.json --number 7
has "is JSON: reading it as a plan document"
printf '{"diff": []}' >notplan.json
run 1 comment github --diff notplan.json --number 7
has "notplan.json"
printf 'caf\351\n' >latin1.md
run 1 comment github --markdown latin1.md --name x --number 7
has "'latin1.md' is not UTF-8 text: byte 3 is not UTF-8"
: >empty.md
run 1 comment github --markdown empty.md --name x --number 7
has "'empty.md' is empty"
run 1 comment github --markdown missing.md --name x --number 7
has "cannot read 'missing.md'"
printf '{"format_version": "2.0"' >trunc.json
run 1 comment github --plan trunc.json --number 7
has "trunc.json:"
mkdir -p nospec && cp other.md nospec/
(cd nospec && "$BIN" comment github --markdown other.md --number 7 >"$ROOT/out" 2>&1; echo $? >"$ROOT/rc")
cat "$ROOT/out" >>"$ROOT/all"
same "$(cat "$ROOT/rc")" 1 "markdown without a spec or a name"
has "which spec is this comment for? give --name NAME"
run 1 comment --plan plan.json
has "which forge?"
run 1 comment bitbucket --plan plan.json
has "unknown forge 'bitbucket'"
run 1 comment github
has "what to post?"
run 1 comment github --plan plan.json --markdown other.md
has "give only one of"
run 1 comment github --plan plan.json --number 0
has "invalid value '0' for option '--number'"
run 0 comment --help
has "usage: scaleplan comment github|gitlab"
unset GITHUB_TOKEN GITHUB_REPOSITORY GITHUB_API_URL

# ---- GitLab: create, edit, pages by X-Next-Page, system notes -----------------------------------
gl_env() {
    export GITLAB_TOKEN=$GL_TOK CI_API_V4_URL=$API/api/v4 CI_PROJECT_ID=42 CI_MERGE_REQUEST_IID=7
}
case_ gitlab-create
gl_env
mark
run 0 comment gitlab --plan plan.json
has "Posted the comment for 'acme-shop' on merge request !7 of project 42 (note [0-9]*)"
run 0 comment gitlab --plan later.json
has "Updated the comment for 'acme-shop' on merge request !7 of project 42"
same "$(st 'len(s["gitlab:7"])')" 1 "notes on !7"
same "$(st '"at 2029-06" in s["gitlab:7"][0]["body"]')" True "the note shows the new plan"
same "$(lg '[(l["method"], l["auth"]) for l in L]')" \
    "[('GET', 'private-token'), ('POST', 'private-token'), ('GET', 'private-token'), ('PUT', 'private-token')]" \
    "requests with PRIVATE-TOKEN"
# the project by its path, URL-encoded
CI_PROJECT_ID=acme/shop run 0 comment gitlab --plan plan.json
has "Updated"

case_ gitlab-pages
ctl /_test/seed "{\"forge\": \"gitlab\", \"thread\": 8, \"n\": 10, \"system\": true, \"body\": \"$MARK\"}"
ctl /_test/seed '{"forge": "gitlab", "thread": 8, "n": 120, "body": "lgtm"}'
CI_MERGE_REQUEST_IID=8 run 0 comment gitlab --plan plan.json
has "Posted"
ctl /_test/seed '{"forge": "gitlab", "thread": 8, "n": 90, "body": "+1"}'
mark
CI_MERGE_REQUEST_IID=8 run 0 comment gitlab --plan later.json
has "Updated"
same "$(st 'len(s["gitlab:8"])')" 221 "notes on !8"
same "$(st '[n["body"] for n in s["gitlab:8"] if not n["system"] and n["body"].startswith("<!--")].__len__()')" 1 "scaleplan notes"
same "$(st 'all(n["body"] == "'"$MARK"'" for n in s["gitlab:8"] if n["system"])')" True "system notes are left alone"
same "$(lg '[l["path"].split("?")[1].split("&")[1] for l in L if l["method"] == "GET"]')" "['page=1', 'page=2', 'page=3']" \
    "pages read by X-Next-Page"

# ---- GitLab's refusals ----------------------------------------------------------------------------
case_ gitlab-errors
GITLAB_TOKEN= CI_JOB_TOKEN=$JOB_TOK run 1 comment gitlab --plan plan.json
has "error: GitLab: GET $API/api/v4/projects/42/merge_requests/7/notes?per_page=100&page=1&sort=asc&order_by=created_at: HTTP 401: 401 Unauthorized"
has "CI/CD job token (CI_JOB_TOKEN) cannot write merge request notes"
has "set GITLAB_TOKEN"
GITLAB_TOKEN=glpat-wrong run 1 comment gitlab --plan plan.json
has "HTTP 401: 401 Unauthorized; GitLab refused the token in GITLAB_TOKEN"
GITLAB_TOKEN=$GUEST_TOK run 1 comment gitlab --plan plan.json
has "PUT $API/api/v4/projects/42/merge_requests/7/notes/[0-9]*: HTTP 403: 403 Forbidden"
has "Reporter role"
CI_MERGE_REQUEST_IID=99 run 1 comment gitlab --plan plan.json
has "HTTP 404: 404 Not found"
CI_PROJECT_ID=999 run 1 comment gitlab --plan plan.json
has "HTTP 404: 404 Project Not Found"
CI_MERGE_REQUEST_IID= run 1 comment gitlab --plan plan.json
has "CI_MERGE_REQUEST_IID is not set: run the job in a merge request pipeline"
CI_MERGE_REQUEST_IID=7x run 1 comment gitlab --plan plan.json
has "CI_MERGE_REQUEST_IID '7x' is not a positive integer"
CI_API_V4_URL= run 1 comment gitlab --plan plan.json
has "CI_API_V4_URL is not set"
GITLAB_TOKEN= CI_JOB_TOKEN= run 1 comment gitlab --plan plan.json
has "neither GITLAB_TOKEN nor CI_JOB_TOKEN is set"

case_ gitlab-retry
ctl /_test/faults '{"faults": [{"method": "GET", "path": "/api/v4/", "kind": "429"}, {"method": "PUT", "kind": "500"}]}'
mark
run 0 comment gitlab --plan plan.json
has "Updated"
same "$(lg '[l["status"] for l in L]')" "[429, 200, 500, 200]" "429 (Retry-After) and 500 retried"
same "$(lg '"Retry later" in L[0]["answer"]')" True "GitLab's plain-text 429"

case_ gitlab-long
ctl /_test/limits '{"gitlab_max": 30000}'
mark
run 0 comment gitlab --markdown big.md --name big
has "Posted"
has "to fit GitLab's limit of 30000"
same "$(lg '[l["status"] for l in L if l["method"] == "POST"]')" "[400, 201]" "a 400 'too long', then the shortened note"
same "$(st 'len([n for n in s["gitlab:7"] if "name=big" in n["body"]][0]["body"]) <= 30000')" True "the note fits"
unset GITLAB_TOKEN CI_API_V4_URL CI_PROJECT_ID CI_MERGE_REQUEST_IID

# ---- the plan document against docs/plan.schema.json ----------------------------------------------
case_ schema
SCHEMA="$SRC/docs/plan.schema.json"
J="$ROOT/schema"
mkdir -p "$J/w" && cd "$J/w" || exit 1
cp "$SRC/examples/saas-web.yaml" scaleplan.yaml
"$BIN" plan --format json >"$J/create.json" 2>/dev/null
"$BIN" apply --auto-approve --at 2029-06 >/dev/null 2>&1
"$BIN" plan --at 2030-06 --format json >"$J/update.json" 2>/dev/null
"$BIN" plan --at 2027-06 --target service.search --format json >"$J/delete.json" 2>/dev/null
"$BIN" plan --at 2029-06 --format json >"$J/noop.json" 2>/dev/null
"$BIN" plan --at 2030-06 --target service --exclude service.web-api -out "$J/targets.json" >/dev/null 2>&1
"$BIN" plan --at 2030-06 --refresh=false --format json >"$J/norefresh.json" 2>/dev/null
"$BIN" state rm 'service.feed[us-east-1]' >/dev/null 2>&1
"$BIN" plan --at 2030-06 --format json >"$J/left-alone.json" 2>/dev/null
sed -i 's/engine: redis/engine: memcached/' scaleplan.yaml
"$BIN" plan --at 2029-06 --format json >"$J/replace.json" 2>/dev/null
cd "$W" || exit 1
"$BIN" plan "$SRC/examples/fintech-payments.yaml" --format json >"$J/fintech.json" 2>/dev/null
"$BIN" plan "$SRC/examples/ai-assistant.yaml" --format json >"$J/ai.json" 2>/dev/null
"$BIN" plan "$SRC/examples/split" --format json >"$J/split.json" 2>/dev/null
# each case has what it is named for, so the schema is checked on every kind of change
python3 - "$J" >"$ROOT/out" 2>&1 <<'PY'
import json, sys
d = sys.argv[1]
want = {"create": ("create", 11), "update": ("update", 1), "delete": ("delete", 1), "noop": ("no-op", 1),
        "replace": ("replace", 1), "targets": ("update", 1), "fintech": ("create", 1), "ai": ("create", 1),
        "split": ("create", 1), "norefresh": ("update", 1), "left-alone": ("update", 1)}
for name, (act, at_least) in sorted(want.items()):
    doc = json.load(open("%s/%s.json" % (d, name)))
    if doc["summary"][act] < at_least:
        print("%s: %d %s, expected at least %d" % (name, doc["summary"][act], act, at_least))
    if name == "noop" and sum(v for k, v in doc["summary"].items() if k != "no-op"):
        print("noop: has changes")
if not json.load(open(d + "/left-alone.json"))["left_alone"]:
    print("left-alone: nothing left alone")
if json.load(open(d + "/targets.json"))["targets"] != ["service"]:
    print("targets: not recorded")
PY
if [ -s "$ROOT/out" ]; then bad "a case lacks what it is for"; else ok; fi
python3 "$SRC/tests/plan_schema_check.py" "$SCHEMA" "$J"/*.json >"$ROOT/out" 2>&1 && ok || bad "a plan document does not match docs/plan.schema.json"
same "$(grep -c ': ok$' "$ROOT/out")" 11 "plan documents checked"
# Terraform's views are consistent with the changes: planned_values holds every resource after the
# plan (the changes' after, the untouched as they are), prior_state every resource before it
python3 - "$J" >"$ROOT/out" 2>&1 <<'PY'
import json, sys
for name in ("create", "update", "delete", "noop", "replace", "targets", "left-alone", "fintech"):
    doc = json.load(open("%s/%s.json" % (sys.argv[1], name)))
    prior = {r["address"]: r for r in doc["prior_state"]["values"]["root_module"]["resources"]}
    planned = {r["address"]: r for r in doc["planned_values"]["root_module"]["resources"]}
    for key, lst in (("prior", doc["prior_state"]["values"]["root_module"]["resources"]),
                     ("planned", doc["planned_values"]["root_module"]["resources"])):
        addrs = [r["address"] for r in lst]
        if addrs != sorted(addrs):
            print("%s: %s not sorted" % (name, key))
    changed = set()
    for rc in doc["resource_changes"]:
        a, ch = rc["address"], rc["change"]
        changed.add(a)
        if rc["index"] != rc["region"] or rc["provider_name"] != "scaleplan/local" or rc["mode"] != "managed":
            print("%s: %s: mode, index or provider_name" % (name, a))
        if (prior[a]["values"] if a in prior else None) != ch["before"]:
            print("%s: %s: prior_state is not the change's before" % (name, a))
        if (planned[a]["values"] if a in planned else None) != ch["after"]:
            print("%s: %s: planned_values is not the change's after" % (name, a))
    for a in set(prior) - changed:
        if planned.get(a) != prior[a]:
            print("%s: %s: untouched, but planned differs from prior" % (name, a))
    if set(planned) - changed - set(prior):
        print("%s: planned has resources from nowhere" % name)
PY
if [ -s "$ROOT/out" ]; then bad "planned_values or prior_state disagree with the changes"; else ok; fi
# the schema and the checker can fail: each of these edits is refused, with its place
check_bad() {
    python3 - "$J/update.json" "$J/bad.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
    python3 "$SRC/tests/plan_schema_check.py" "$SCHEMA" "$J/bad.json" >"$ROOT/out" 2>&1
    if [ $? = 1 ]; then ok; else bad "the edit '$1' passed the schema"; fi
    has "$2"
}
check_bad 'd["format_version"] = 1' '$.format_version: must be string, not integer'
check_bad 'd["format_version"] = "1.2"' '$.format_version: "1.2" does not match'
check_bad 'd["resource_changes"][0]["mode"] = "data"' '$.resource_changes\[0\].mode: must be "managed"'
check_bad 'del d["prior_state"]' "missing key 'prior_state'"
check_bad 'd["surprise"] = 1' '$.surprise: unknown key'
check_bad 'd["resource_changes"][0]["change"]["actions"] = ["create"]' "matches 0 of oneOf's 5 schemas"
check_bad 'd["resource_changes"][0]["change"]["after"]["instances"] = None' '$.resource_changes\[0\].change.after.instances'
check_bad 'd["planned_values"]["root_module"]["resources"][0]["provider_name"] = "registry.terraform.io/hashicorp/aws"' 'provider_name'
check_bad 'd["cost"]["horizon"]["total"]["p50x"] = 1' '$.cost.horizon.total.p50x: unknown key'
check_bad 'd["state"]["lineage"] = "not-a-uuid"' '$.state.lineage: matches none of anyOf'
# a schema with a keyword the checker does not know is refused, not half checked
printf '{"type": "object", "if": {"required": ["a"]}}' >"$J/odd.schema.json"
python3 "$SRC/tests/plan_schema_check.py" "$J/odd.schema.json" "$J/update.json" >"$ROOT/out" 2>&1
same "$?" 2 "a schema the checker cannot check fully"
has "keyword 'if' is not supported"
# plan files of format 1 are still read: the reader takes the integer 1
python3 - "$J/targets.json" "$J/v1.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["format_version"] = 1
for k in ("spec_path", "planned_values", "prior_state"):
    del d[k]
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
GITHUB_TOKEN=$GH_TOK run 0 comment github --plan "$J/v1.json" --number 7 --dry-run --repo acme/shop --api-url "$API"
has "scaleplan plan: "

# ---- apply on merge what was reviewed ------------------------------------------------------------
M="$ROOT/merge"
mkdir -p "$M" && cd "$M" || exit 1
cp "$SRC/examples/saas-web.yaml" scaleplan.yaml
"$BIN" apply --auto-approve >/dev/null 2>&1
webapi=".scaleplan/infra/service.web-api[us-east-1].json"
inst() { sed -n 's/.*"instances": \([0-9.]*\).*/\1/p' "$1"; }

case_ merge-unchanged
# the pull request's job saves the plan; the merge job applies it: nothing moved
run 0 plan --at 2029-06 --target 'service.web-api[us-east-1]' -out pr1.json
run 0 apply pr1.json
has "Apply complete: 0 created, 1 updated"
hasnt "stale"

case_ merge-state-moved-same-changes
# two pull requests on different services; the other one merged first: the state moved, but planned
# again this one's change is the one reviewed, so it is applied without --auto-approve
run 0 plan --at 2029-06 --target 'service.search[us-east-1]' -out pr2.json
run 0 plan --at 2029-06 --target 'service.feed[us-east-1]' -out pr3.json
run 0 apply pr3.json
run 0 apply pr2.json
has "the plan in 'pr2.json' is stale: it was made against state"
has "Planned again: every change is the one in the saved plan; applying it."
has "Apply complete: 0 created, 1 updated"

case_ merge-moved
# planned at 2030-06; meanwhile an apply at 2029-09 moved web-api: planned again, the list says why,
# and nothing is applied without --auto-approve
run 0 plan --at 2030-06 --target 'service.web-api[us-east-1]' -out pr4.json
run 0 apply --auto-approve --at 2029-09 --target 'service.web-api[us-east-1]'
before=$(inst "$webapi")
run 1 apply pr4.json
has "the plan in 'pr4.json' is stale"
has "Planning again with the spec 'scaleplan.yaml' as the plan was made (at 2030-06, p50)"
has "1 resource moved since the plan was made:"
has "~ service.web-api\[us-east-1\]: planned update, now update"
has "instances [0-9]* -> [0-9]*  (changed since the plan)"
has "error: what the plan in 'pr4.json' would change is no longer what it shows; nothing was changed"
has "scaleplan apply --auto-approve"
same "$(inst "$webapi")" "$before" "web-api after a refused stale plan"
run 0 apply --auto-approve pr4.json
has "Apply complete: 0 created, 1 updated"
run 0 plan --at 2030-06 --target 'service.web-api[us-east-1]' --detailed-exitcode

case_ merge-world-moved
# the state did not move, but a resource the plan changes was changed by hand
run 0 plan --at 2030-09 --target 'service.web-api[us-east-1]' --target 'service.catalog[us-east-1]' -out pr5.json
sed -i 's/"instances": [0-9]*/"instances": 77/' "$webapi"
run 1 apply pr5.json
has "1 resource it changes was changed outside scaleplan since the plan was made (service.web-api\[us-east-1\])"
has "instances [0-9]* -> 77  (changed since the plan)"
hasnt "service.catalog\[us-east-1\]: planned"
same "$(inst "$webapi")" 77 "web-api after a refused plan"

case_ merge-spec-moved
# the spec changed too: the list says what is wanted now
sed -i '/^  web-api:/,/^  [a-z]/ s/min: [0-9]*/min: 150/' scaleplan.yaml
run 1 apply pr5.json
has "(wanted now)"
run 0 apply --auto-approve pr5.json
run 0 plan --at 2030-09 --target 'service.web-api[us-east-1]' --detailed-exitcode

case_ merge-other-spec
run 0 plan --at 2030-12 --target 'service.search[us-east-1]' -out pr6.json
run 0 apply --auto-approve --at 2030-11 --target 'service.search[us-east-1]'
cp scaleplan.yaml keep.yaml
cp "$SRC/examples/fintech-payments.yaml" scaleplan.yaml
run 1 apply pr6.json
has "but the plan in 'pr6.json' was made from 'acme-shop'; nothing was changed"
rm scaleplan.yaml
run 1 apply pr6.json
has "is stale and could not be made again; nothing was changed"
cp keep.yaml scaleplan.yaml
run 1 apply pr6.json
has "1 resource moved"

# ---- secrets: no token in any output or in any answer -------------------------------------------
case_ secrets
# every comment the stand-in holds, as posted
python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
    "$API/_test/state" >"$ROOT/comments.json"
if [ -s "$ROOT/comments.json" ]; then ok; else bad "cannot read the stand-in's comments"; fi
for t in "$GH_TOK" "$RO_TOK" "$GL_TOK" "$GUEST_TOK" "$JOB_TOK"; do
    if grep -qF "$t" "$ROOT/all" "$LOG" "$ROOT/forge.err" "$ROOT/comments.json"; then
        bad "a token appears in the outputs, the log or a comment"
    else
        ok
    fi
done
# the log is not empty, so the search meant something
if [ "$(wc -l <"$LOG")" -gt 50 ]; then ok; else bad "the stand-in logged too little"; fi

echo "e2e-forge: $pass passed, $fail failed"
[ $fail = 0 ]
