#!/bin/sh
# End-to-end tests of plan, apply and drift with the REST provider against
# json-server (a real REST server over a JSON file), reached through
# tests/servers/faulty.py, which passes every request on and logs it, and
# fails the ones its rules name; both on free loopback ports, in a scratch
# folder, stopped by their PIDs on every exit.
#   usage: sh tests/e2e-rest.sh BIN SRCDIR
set -u
BIN=$1
SRC=$2
export NO_COLOR=1 SCALEPLAN_NOW=2027-01
unset SCALEPLAN_FAULT_AT SCALEPLAN_FAULT_KIND SCALEPLAN_LOCAL_LATENCY_MS
unset SCALEPLAN_REST_USERNAME SCALEPLAN_REST_PASSWORD SCALEPLAN_REST_CACERT SCALEPLAN_REST_CERT SCALEPLAN_REST_KEY
# the interpreter itself: a version manager's shim can take seconds to start
# each of the many short helpers below (lib.sh's too: a function wins over PATH)
PY=$(python3 -c 'import sys; print(sys.executable)') || { echo "e2e-rest: no python3" >&2; exit 1; }
python3() { "$PY" "$@"; }
. "$SRC/tests/servers/lib.sh"
JSON_SERVER=${SP_JSON_SERVER:-$SRC/.deps/node_modules/.bin/json-server}
FAULTY="$SRC/tests/servers/faulty.py"
# a secret the spec names by ${VAR}: it must reach the server and appear nowhere else
TOKEN="e2e-tok-$$-S3CRET"
export SP_E2E_TOKEN=$TOKEN
pass=0
fail=0
JS_PID=
FP_PID=
JS2_PID=
TLS_PID=
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sp-e2e-rest.XXXXXX")
cleanup() { sp_stop $FP_PID $JS_PID $JS2_PID $TLS_PID; rm -rf "$ROOT"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL e2e-rest/$CASE: $*"; [ -f "$ROOT/out" ] && sed 's/^/  | /' "$ROOT/out" | head -30; }
# run EXPECTED_EXIT ARGS...: runs scaleplan, output in $ROOT/out (and kept in $ROOT/all-out)
run() {
    want=$1; shift
    "$BIN" "$@" >"$ROOT/out" 2>&1
    got=$?
    cat "$ROOT/out" >>"$ROOT/all-out"
    if [ "$got" = "$want" ]; then ok; else bad "scaleplan $* exited $got, expected $want"; fi
}
has() { if grep -q -- "$1" "$ROOT/out"; then ok; else bad "output lacks '$1'"; fi; }
hasnt() { if grep -q -- "$1" "$ROOT/out"; then bad "output has '$1'"; else ok; fi; }
same() { if [ "$1" = "$2" ]; then ok; else bad "$3: '$1' != '$2'"; fi; }

# start_json_server DIR COLLECTIONS...: json-server over DIR/db.json on a free port; sets JS_URL, prints its PID
start_json_server() {
    d=$1; shift
    mkdir -p "$d"
    printf '{' >"$d/db.json"
    sep=
    for c in "$@"; do printf '%s"%s": []' "$sep" "$c" >>"$d/db.json"; sep=', '; done
    printf '}\n' >>"$d/db.json"
    port=$(sp_free_port)
    (cd "$d" && exec "$JSON_SERVER" --host 127.0.0.1 --port "$port" db.json >server.log 2>&1) &
    echo $! >"$d/pid"
    echo "http://127.0.0.1:$port" >"$d/url"
}

# faults RULES: faulty.py's rules (a JSON array; "[]" passes everything on)
faults() { python3 "$FAULTY" faults "$FP_URL" "$1" || bad "faulty.py refused $1"; }
# count_log WORD: requests in faulty.py's log whose line has WORD
count_log() { grep -c -- "$1" "$ROOT/faulty/requests.log" 2>/dev/null || true; }
clear_log() { cat "$ROOT/faulty/requests.log" >>"$ROOT/faulty/all-requests.log"; : >"$ROOT/faulty/requests.log"; }
# server_counts: the documents in each of json-server's collections, and all of them
server_counts() {
    python3 - "$JS_URL" <<'PY' 2>/dev/null || echo "?"
import json, sys, urllib.request
n = {t: len(json.load(urllib.request.urlopen(sys.argv[1] + "/" + t, timeout=5)))
     for t in ("cache", "datastore", "gpu", "queue", "service")}
print(" ".join("%s=%d" % kv for kv in sorted(n.items())) + " total=%d" % sum(n.values()))
PY
}
# state_counts: the same for the state's resources
state_counts() {
    "$BIN" state list 2>/dev/null | python3 -c '
import sys
n = {t: 0 for t in ("cache", "datastore", "gpu", "queue", "service")}
for line in sys.stdin:
    n[line.split(".")[0]] += 1
print(" ".join("%s=%d" % kv for kv in sorted(n.items())) + " total=%d" % sum(n.values()))'
}
# server_req METHOD PATH [BODY]: one request straight to json-server; prints the status
server_req() {
    python3 - "$1" "$JS_URL$2" "${3:-}" <<'PY'
import sys, urllib.request, urllib.error
m, url, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, data=body.encode() if body else None, method=m,
                             headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(req, timeout=5) as r:
        print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
}

# spec_for URL [EXAMPLE] [EXTRA]: the example with the REST provider at URL
spec_for() {
    sed "s|^provider: {kind: local}|provider: {kind: rest, url: \"$1\", headers: {Authorization: \"Bearer \${SP_E2E_TOKEN}\", X-Team: infra}${3:+, $3}}|" \
        "$SRC/examples/${2:-saas-web.yaml}" >scaleplan.yaml
    grep -q 'kind: rest' scaleplan.yaml || bad "the example has no 'provider: {kind: local}' line to replace"
}
fresh() {
    CASE=$1
    W="$ROOT/$1"
    mkdir -p "$W" && cd "$W" || exit 1
    cat "$ROOT/faulty/requests.log" >>"$ROOT/faulty/all-requests.log" 2>/dev/null
    clear_log
}
wipe_server() {
    python3 - "$JS_URL" <<'PY'
import json, sys, urllib.request, urllib.parse
for t in ("cache", "datastore", "gpu", "queue", "service"):
    url = sys.argv[1] + "/" + t
    for d in json.load(urllib.request.urlopen(url, timeout=5)):
        urllib.request.urlopen(urllib.request.Request(url + "/" + urllib.parse.quote(str(d["id"]), safe=""),
                                                      method="DELETE"), timeout=5).read()
PY
}
# plan_counts: "CREATE UPDATE" from the plan line of $ROOT/out
plan_counts() { sed -n 's/^Plan: \([0-9]*\) to create, \([0-9]*\) to update.*/\1 \2/p' "$ROOT/out"; }

# ---- the servers ------------------------------------------------------------
CASE=servers
if [ ! -x "$JSON_SERVER" ]; then
    echo "e2e-rest: no json-server at $JSON_SERVER (run 'make test-deps')" >&2
    exit 1
fi
start_json_server "$ROOT/js" cache datastore gpu queue service
JS_PID=$(cat "$ROOT/js/pid")
JS_URL=$(cat "$ROOT/js/url")
mkdir -p "$ROOT/faulty"
python3 "$FAULTY" serve --port-file "$ROOT/faulty/port" --log "$ROOT/faulty/requests.log" --upstream "$JS_URL" \
    >"$ROOT/faulty/server.log" 2>&1 &
FP_PID=$!
n=0
while [ ! -s "$ROOT/faulty/port" ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
FP_URL="http://127.0.0.1:$(cat "$ROOT/faulty/port" 2>/dev/null)"
if ! sp_wait_http "$JS_URL/db" 30 || ! sp_wait_http "$FP_URL/_faulty/faults" 30; then
    echo "e2e-rest: the servers did not start" >&2
    tail -5 "$ROOT/js/server.log" "$ROOT/faulty/server.log" >&2
    exit 1
fi

# ---- plan, apply, plan again: no changes; drift: none ------------------------
fresh converge
spec_for "$FP_URL/"
run 2 plan --detailed-exitcode
has "11 to create"
run 0 apply --auto-approve
has "Apply complete: 11 created"
same "$(server_counts)" "$(state_counts)" "the server's documents and the state's resources"
same "$(server_counts)" "cache=1 datastore=2 gpu=0 queue=1 service=7 total=11" "documents on the server"
same "$(count_log '"method": "POST"')" 11 "POSTs sent"
# the headers reached the server with every request; the token from the environment
same "$(count_log "\"Authorization\": \"Bearer $TOKEN\"")" "$(count_log '"method"')" "requests with the bearer token"
same "$(count_log '"X-Team": "infra"')" "$(count_log '"method"')" "requests with X-Team"
# the document: id = address, percent-encoded in its URL
server_req GET "/service/service.web-api%5Bus-east-1%5D" >"$ROOT/out"
has 200
run 0 plan --detailed-exitcode
has "No changes"
run 0 drift
has "No drift: the 11 resources in rest $FP_URL"
run 0 plan -out plan.json
run 0 apply plan.json

# ---- a change of the spec: updates by PUT (and creates in a new region) ------
clear_log
run 2 plan --detailed-exitcode --at 2029-06
has "to update"
counts=$(plan_counts)
run 0 apply --auto-approve --at 2029-06
has "updated"
same "$(count_log '"method": "PUT"') $(count_log '"method": "POST"')" "$(echo "$counts" | awk '{print $2, $1}')" \
    "PUTs and POSTs against the plan's updates and creates"
[ "$(count_log '"method": "PUT"')" -gt 0 ] && ok || bad "no PUT was sent for the updates"
run 0 plan --detailed-exitcode --at 2029-06
has "No changes"
same "$(server_counts)" "$(state_counts)" "the server's documents and the state's resources"

# ---- changed and deleted on the server: drift, then apply puts them back -----
server_req DELETE "/cache/cache.product-cache%5Bus-east-1%5D" >"$ROOT/out"
has 200
server_req PATCH "/queue/queue.emails%5Bus-east-1%5D" '{"attributes": {"hand": "edited"}}' >"$ROOT/out"
has 200
run 2 drift
has "cache.product-cache\[us-east-1\]: in the state, but gone"
has "queue.emails\[us-east-1\]: changed outside scaleplan"
run 2 plan --detailed-exitcode --at 2029-06
has "Plan: 1 to create, 1 to update"
run 0 apply --auto-approve --at 2029-06
run 0 drift
has "No drift"
same "$(server_counts)" "$(state_counts)" "the server's documents and the state's resources"

# ---- a 500ing server: a clear error, and a re-run converges -----------------
fresh fail500
wipe_server
spec_for "$FP_URL" saas-web.yaml "retry_wait_min_s: 0.05, retry_wait_max_s: 0.2"
faults '[{"method": "POST", "path": "/service", "status": 500, "body": "{\"error\": \"database unavailable\"}"}]'
run 1 apply --auto-approve --parallelism 4
has "POST $FP_URL/service: the server answered HTTP 500"
has "database unavailable"
has "it does not exist on the server"
same "$(server_counts)" "$(state_counts)" "the server's documents and the state's resources"
case $(server_counts) in *service=0*) ok ;; *) bad "services were created while POST fails" ;; esac
faults '[]'
run 0 apply --auto-approve --parallelism 4
has "Apply complete"
run 0 plan --detailed-exitcode
has "No changes"
same "$(server_counts)" "cache=1 datastore=2 gpu=0 queue=1 service=7 total=11" "documents after the re-run"

# ---- transient faults are retried: 503s, 429 with Retry-After, lost answers --
fresh transient
wipe_server
spec_for "$FP_URL" saas-web.yaml "retry_wait_min_s: 0.05, retry_wait_max_s: 0.2"
faults '[{"method": "POST", "status": 503, "times": 3}, {"method": "POST", "kind": "lost", "times": 2}, {"method": "GET", "path": "/queue", "status": 429, "retry_after": "1", "times": 1}, {"method": "GET", "path": "/cache", "kind": "close", "times": 1}]'
run 0 apply --auto-approve --parallelism 1
has "Apply complete: 11 created"
# a POST whose answer was lost is looked up, never sent twice: 11 documents, each once
same "$(server_counts)" "cache=1 datastore=2 gpu=0 queue=1 service=7 total=11" "documents after lost answers"
same "$(count_log '"method": "POST"')" 14 "POSTs (11, and one more after each of the 3 503s)"
run 0 plan --detailed-exitcode
has "No changes"

# ---- killed mid-apply: the next apply converges --------------------------------
fresh crash
wipe_server
spec_for "$FP_URL"
SCALEPLAN_FAULT_AT=4 SCALEPLAN_FAULT_KIND=crash "$BIN" apply --auto-approve --parallelism 1 >"$ROOT/out" 2>&1
same "$?" 137 "an apply killed at its 4th operation"
run 0 apply --auto-approve
has "Apply complete: 8 created"
run 0 plan --detailed-exitcode
has "No changes"

# ---- TLS: verified unless turned off by name --------------------------------
fresh tls
if command -v openssl >/dev/null 2>&1 &&
    openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 \
        -addext "subjectAltName=IP:127.0.0.1" >openssl.out 2>&1; then
    python3 "$FAULTY" serve --port-file tls.port --log tls.log --upstream "$JS_URL" --tls cert.pem key.pem \
        >tls.out 2>&1 &
    TLS_PID=$!
    n=0
    while [ ! -s tls.port ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
    TLS_URL="https://127.0.0.1:$(cat tls.port)"
    wipe_server
    spec_for "$TLS_URL"
    run 1 plan
    has "GET $TLS_URL/cache: SSL certificate problem"
    spec_for "$TLS_URL" saas-web.yaml "ca_file: cert.pem"
    run 2 plan --detailed-exitcode
    has "11 to create"
    spec_for "$TLS_URL"
    SCALEPLAN_REST_CACERT=$PWD/cert.pem
    export SCALEPLAN_REST_CACERT
    run 2 plan --detailed-exitcode
    unset SCALEPLAN_REST_CACERT
    spec_for "$TLS_URL" saas-web.yaml "insecure_skip_verify: true"
    run 0 apply --auto-approve
    has "Apply complete: 11 created"
    same "$(grep -c '"method": "POST"' tls.log)" 11 "POSTs over TLS"
    sp_stop $TLS_PID
    TLS_PID=
else
    echo "note: e2e-rest/tls skipped (no openssl to make a certificate)"
fi

# ---- server down: a clear error within seconds ------------------------------
fresh down
dead=$(sp_free_port)
spec_for "http://127.0.0.1:$dead" saas-web.yaml "timeout_s: 2, retry_max: 2, retry_wait_max_s: 0.5"
t0=$(date +%s)
run 1 plan
t1=$(date +%s)
has "Failed to connect to 127.0.0.1 port $dead"
has "http://127.0.0.1:$dead/"
[ $((t1 - t0)) -le 10 ] && ok || bad "a server that is down took $((t1 - t0)) s to report"

# ---- slow: a server that hangs is cut at the timeout --------------------------
fresh slow
spec_for "$FP_URL" saas-web.yaml "timeout_s: 1, retry_max: 1"
faults '[{"method": "GET", "kind": "hang", "seconds": 30}]'
t0=$(date +%s)
run 1 plan
t1=$(date +%s)
has "timed out"
has "$FP_URL/"
has "2 attempts"
[ $((t1 - t0)) -le 10 ] && ok || bad "a hanging server took $((t1 - t0)) s to report"
faults '[]'

# ---- an API that does not serve every type's collection (json-server) --------
fresh nogpu
start_json_server "$ROOT/js2" cache datastore queue service
JS2_PID=$(cat "$ROOT/js2/pid")
if sp_wait_http "$(cat "$ROOT/js2/url")/db" 30; then
    spec_for "$(cat "$ROOT/js2/url")"
    run 1 plan
    has "GET $(cat "$ROOT/js2/url")/gpu: the server answered HTTP 404"
    has "must serve a collection for every resource type"
else
    bad "the second json-server did not start"
fi
sp_stop $JS2_PID
JS2_PID=

# ---- a missing ${VAR} in a header: a clear error, nothing sent ----------------
fresh novar
spec_for "$FP_URL"
clear_log
SP_E2E_TOKEN=
run 1 plan
SP_E2E_TOKEN=$TOKEN
has "SP_E2E_TOKEN"
same "$(count_log '"method"')" 0 "requests without the token"

# ---- the token appears in no output, state or plan file -----------------------
CASE=secrets
if grep -rl -- "$TOKEN" "$ROOT"/converge "$ROOT"/fail500 "$ROOT"/transient "$ROOT"/crash "$ROOT/all-out" 2>/dev/null; then
    bad "the token was written to the files above"
else
    ok
fi
# and yet it was sent
if grep -q "Bearer $TOKEN" "$ROOT/faulty/all-requests.log"; then ok; else bad "the token never reached the server"; fi

echo "e2e-rest: $pass passed, $fail failed"
[ "$fail" = 0 ]
