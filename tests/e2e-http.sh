#!/bin/sh
# End-to-end tests of plan, apply, drift and state with the HTTP state backend
# (Terraform's protocol) and the local provider, against the stand-in server
# tests/servers/tfstate.py, which this script starts on loopback (free ports,
# a scratch folder) and stops by its PID on every exit path:
#   usage: sh tests/e2e-http.sh BIN SRCDIR
# Two servers: one speaks the protocol with LOCK and UNLOCK on the state's
# address; the other is laid out as GitLab's API (POST and DELETE of
# ADDRESS/lock, 409 for a held lock, basic auth). Each case has its own
# state path on them, and its own scratch folder.
set -u
BIN=$1
SRC=$2
export NO_COLOR=1 SCALEPLAN_NOW=2027-01
unset SCALEPLAN_FAULT_AT SCALEPLAN_FAULT_KIND SCALEPLAN_LOCAL_LATENCY_MS SCALEPLAN_HTTP_USERNAME \
    SCALEPLAN_HTTP_PASSWORD TF_HTTP_USERNAME TF_HTTP_PASSWORD
. "$SRC/tests/servers/lib.sh"
TFSTATE="$SRC/tests/servers/tfstate.py"
PASSWORD='e2e-Pw-5510-zq'
pass=0
fail=0
PIDS=""
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sp-e2e-http.XXXXXX")
cleanup() {
    # shellcheck disable=SC2086
    sp_stop $PIDS
    rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL e2e-http/$CASE: $*"; [ -f "$ROOT/out" ] && sed 's/^/  | /' "$ROOT/out" | head -30; }
# run EXPECTED_EXIT ARGS...: runs scaleplan, output in $ROOT/out (kept in $ROOT/all for the secret check)
run() {
    want=$1; shift
    "$BIN" "$@" >"$ROOT/out" 2>&1
    got=$?
    cat "$ROOT/out" >>"$ROOT/all"
    if [ "$got" = "$want" ]; then ok; else bad "scaleplan $* exited $got, expected $want"; fi
}
has() { if grep -q -- "$1" "$ROOT/out"; then ok; else bad "output lacks '$1'"; fi; }
hasnt() { if grep -q -- "$1" "$ROOT/out"; then bad "output has '$1'"; else ok; fi; }
same() { if [ "$1" = "$2" ]; then ok; else bad "$3: '$1' != '$2'"; fi; }
nstate() { "$BIN" state list 2>/dev/null | wc -l | tr -d ' '; }
ninfra() { ls .scaleplan/infra 2>/dev/null | grep -c '\.json$'; }

# start NAME [ARGS...]: a stand-in server; its URL in $URL, its log in $ROOT/NAME.log
start() {
    n=$1; shift
    python3 "$TFSTATE" serve --log "$ROOT/$n.log" --port-file "$ROOT/$n.port" --exit-with $$ "$@" \
        >"$ROOT/$n.out" 2>&1 &
    PIDS="$PIDS $!"
    i=0
    while [ ! -s "$ROOT/$n.port" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
    if [ ! -s "$ROOT/$n.port" ]; then
        echo "FAIL e2e-http: the stand-in server $n did not start:" >&2
        cat "$ROOT/$n.out" >&2
        exit 1
    fi
    URL="http://127.0.0.1:$(cat "$ROOT/$n.port")"
}
ctl() { python3 "$TFSTATE" ctl "$1" "$2" >/dev/null || bad "control request $2 failed"; }
# lines of a server's log since mark (a line count)
logsince() { tail -n "+$(($2 + 1))" "$ROOT/$1.log"; }
loglines() { wc -l <"$ROOT/$1.log" | tr -d ' '; }

# fresh CASE BASEURL [STATE SETTINGS...]: a scratch folder with the example spec, its state at BASEURL/state/CASE
fresh() {
    CASE=$1
    base=$2
    shift 2
    W="$ROOT/$CASE"
    mkdir -p "$W" && cd "$W" || exit 1
    sed '/^state:/d' "$SRC/examples/saas-web.yaml" >scaleplan.yaml
    {
        echo "state:"
        echo "  backend: http"
        echo "  address: $base/state/$CASE"
        echo "  timeout_s: 2"
        echo "  retry_max: 2"
        echo "  retry_wait_min_s: 0.05"
        echo "  retry_wait_max_s: 0.2"
        for l in "$@"; do echo "  $l"; done
    } >>scaleplan.yaml
}
# the same, locked at the state's address (Terraform's default layout)
freshl() { c=$1; b=$2; shift 2; fresh "$c" "$b" "lock_address: $b/state/$c" "$@"; }

start plain
P=$URL
export TFSTATE_PASSWORD=$PASSWORD
start gitlab --user tf-user --lock-method POST --unlock-method DELETE --conflict 409 --missing 404
G=$URL
unset TFSTATE_PASSWORD

# ---- plan, apply, drift, state: the same as with the local backend ------------
freshl converge "$P"
run 2 plan --detailed-exitcode
has "11 to create"
run 0 apply --auto-approve
has "Apply complete: 11 created"
same "$(nstate)" 11 "resources in state"
same "$(ninfra)" 11 "resource files"
run 0 plan --detailed-exitcode
has "No changes"
run 0 drift
has "No drift"
has "the state http $P/state/converge (serial 11)"
run 0 state pull
has '"version": 2'
has '"serial": 11'
has '"checksum": "crc32c:'
"$BIN" state list >"$ROOT/out"; sort -c "$ROOT/out" && ok || bad "state list is not sorted"
run 0 state show "service.web-api[us-east-1]"
has "instances"
# the state the server holds is exactly what state pull prints
python3 -c 'import sys,urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' \
    "$P/state/converge" >stored.json
"$BIN" state pull >pulled.json
cmp -s stored.json pulled.json && ok || bad "the stored state differs from state pull"
# each write carried the lock's ID; every lock was released
grep -q "^POST /state/converge?ID=[0-9a-f-]* 200" "$ROOT/plain.log" && ok || bad "no POST with ?ID="
same "$(grep -c '^LOCK /state/converge 200' "$ROOT/plain.log")" \
    "$(grep -c '^UNLOCK /state/converge 200' "$ROOT/plain.log")" "locks taken and released"
python3 "$TFSTATE" get "$P" | grep -q '"locks": {}' && ok || bad "a lock was left on the server"
# an apply with nothing to do changes nothing, not even the serial
s1=$("$BIN" state pull | grep '"serial"')
run 0 apply --auto-approve
same "$("$BIN" state pull | grep '"serial"')" "$s1" "serial after an empty apply"
# growth: a later month updates in place
run 0 apply --auto-approve --at 2029-06
has "updated"
run 0 plan --detailed-exitcode --at 2029-06

# ---- drift: a hand edit, a deletion -------------------------------------------
freshl drift "$P"
run 0 apply --auto-approve
sed -i 's/"instances": [0-9]*/"instances": 42/' ".scaleplan/infra/service.feed[us-east-1].json"
rm ".scaleplan/infra/service.search[us-east-1].json"
run 2 drift
has "~ service.feed\[us-east-1\]: changed outside scaleplan"
has "- service.search\[us-east-1\]: in the state, but gone"
run 2 drift --format json
has '"state": "http '
run 0 apply --auto-approve
run 0 drift

# ---- state commands and saved plans --------------------------------------------
freshl state "$P"
run 0 apply --auto-approve
"$BIN" state pull >old.json
run 0 state rm "service.feed[us-east-1]"
has "Removed service.feed\[us-east-1\]"
same "$(nstate)" 10 "resources after rm"
run 0 state import "service.feed[us-east-1]"
has "Imported service.feed\[us-east-1\]"
same "$(nstate)" 11 "resources after import"
run 0 state rm "service.feed[us-east-1]"
run 1 state push old.json
has "older than the stored serial"
run 0 state push --force old.json
has "Pushed 'old.json' to http $P/state/state"
same "$(nstate)" 11 "resources after a forced push"
sed -e 's/"lineage": "[^"]*"/"lineage": "00000000-0000-4000-8000-000000000000"/' -e '/"checksum":/d' old.json >other.json
run 1 state push other.json
has "different history"
run 1 state pull --backup
has "keeps no backup"
run 1 state unlock 00000000-0000-4000-8000-000000000000
has "not locked"
# a saved plan records where the state is, and applies there; a stale one is refused
run 0 plan --at 2029-06 -out p1.json
grep -q '"backend": "http"' p1.json && ok || bad "the plan file does not name the http backend"
grep -q "\"address\": \"$P/state/state\"" p1.json && ok || bad "the plan file does not name the address"
run 0 plan --at 2030-06 -out p2.json
mkdir -p elsewhere && cp p1.json p2.json elsewhere/
cd elsewhere || exit 1
ln -s ../.scaleplan .scaleplan
run 0 apply p1.json
run 1 apply p2.json
has "is stale"
cd .. || exit 1
run 0 plan --detailed-exitcode --at 2029-06
# a state from the local backend pushes to the HTTP one
mkdir -p "$ROOT/migrate" && cd "$ROOT/migrate" || exit 1
CASE=migrate
cp "$SRC/examples/saas-web.yaml" scaleplan.yaml
run 0 apply --auto-approve
"$BIN" state pull >local.json
fresh migrate "$P" "lock_address: $P/state/migrate"
run 0 state push local.json
run 0 plan --detailed-exitcode
has "No changes"
run 0 drift

# ---- a failure of the server mid-way: a re-run converges -----------------------
# the final write refused (begin's write passes): the provider holds what was
# done, the state does not; the next plan refreshes and the re-run converges
freshl fail-final "$P"
ctl "$P" '{"rules": [{"method": "POST", "path": "/state/fail-final", "skip": 1, "count": -1, "status": 500}]}'
run 1 apply --auto-approve
has "HTTP 500"
same "$(ninfra)" 11 "resources created before the write failed"
ctl "$P" '{"rules": []}'
run 0 apply --auto-approve
run 0 plan --detailed-exitcode
same "$(nstate)" 11 "resources after the re-run"
run 0 drift
# a send of the operations during the apply (at most every 5 s) fails: apply stops
freshl fail-mid "$P"
ctl "$P" '{"rules": [{"method": "POST", "path": "/state/fail-mid", "skip": 1, "count": -1, "status": 503}]}'
SCALEPLAN_LOCAL_LATENCY_MS=600 "$BIN" apply --auto-approve --parallelism 1 >"$ROOT/out" 2>&1
same "$?" 1 "exit status of an apply whose state could not be sent"
has "done, but the state could not record it"
has "HTTP 503"
n=$(ninfra)
[ "$n" -ge 1 ] && [ "$n" -lt 11 ] && ok || bad "$n resources created before the apply stopped"
ctl "$P" '{"rules": []}'
run 0 apply --auto-approve
run 0 plan --detailed-exitcode
same "$(nstate)" 11 "resources after the re-run"
run 0 drift
# one 500 during the apply: retried, and the apply goes on; the state was sent mid-way
freshl flaky-mid "$P"
ctl "$P" '{"rules": [{"method": "POST", "path": "/state/flaky-mid", "skip": 1, "count": 1, "status": 500}]}'
mark=$(loglines plain)
SCALEPLAN_LOCAL_LATENCY_MS=600 "$BIN" apply --auto-approve --parallelism 1 >"$ROOT/out" 2>&1
same "$?" 0 "exit status of an apply with one 500"
logsince plain "$mark" | grep '^POST /state/flaky-mid' >posts.txt
same "$(grep -c ' 500' posts.txt)" 1 "POSTs answered 500"
[ "$(grep -c ' 200' posts.txt)" -ge 3 ] && ok || bad "fewer than 3 sends of the state (begin, mid-way, end)"
same "$(nstate)" 11 "resources after an apply with one 500"
run 0 drift

# ---- two applies at once: one waits or fails with the holder's info ------------
freshl concurrent "$P"
mark=$(loglines plain)
SCALEPLAN_LOCAL_LATENCY_MS=300 "$BIN" apply --auto-approve --parallelism 1 >"$ROOT/first" 2>&1 &
first=$!
i=0
while ! logsince plain "$mark" | grep -q '^LOCK /state/concurrent 200' && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
run 1 apply --auto-approve
has "the state is locked by another command"
has "operation: apply"
has "process:   $first on "
run 1 state rm service.feed
has "locked"
run 0 apply --auto-approve --lock-timeout 30s
wait $first
same "$?" 0 "the first apply"
run 0 plan --detailed-exitcode
same "$(nstate)" 11 "resources after two applies"

# ---- kill -9 of an apply holding the lock, then state unlock ID ---------------
freshl killed "$P"
mark=$(loglines plain)
SCALEPLAN_LOCAL_LATENCY_MS=400 "$BIN" apply --auto-approve --parallelism 1 >"$ROOT/first" 2>&1 &
victim=$!
i=0
while ! logsince plain "$mark" | grep -q '^LOCK /state/killed 200' && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 1.5
kill -9 $victim
wait $victim 2>/dev/null
# an HTTP lock outlives its process: the next command says who holds it
run 1 apply --auto-approve
has "the state is locked by another command"
has "process:   $victim on "
id=$(sed -n 's/^  lock ID: *//p' "$ROOT/out")
[ -n "$id" ] && ok || bad "no lock ID in the message"
run 1 state unlock 00000000-0000-4000-8000-000000000000
has "is not the lock the server holds"
run 0 state unlock "$id"
has "Cleared the lock $id"
run 0 apply --auto-approve
run 0 plan --detailed-exitcode
same "$(nstate)" 11 "resources after the killed apply and a re-run"
run 0 drift

# ---- network faults: a server down, slow, answering 500, or not a state --------
# a port nobody listens on
CLOSED="http://127.0.0.1:$(sp_free_port)"
fresh down "$CLOSED" "lock_address: $CLOSED/state/down"
t0=$(date +%s)
run 1 plan
has "$CLOSED/state/down"
has "connect"
run 1 state list
run 1 apply --auto-approve
same "$(ninfra)" 0 "resources created with the state server down"
[ $(($(date +%s) - t0)) -lt 30 ] && ok || bad "giving up on a server down took too long"
freshl slow "$P" "timeout_s: 0.5"
sed -i 's/^  timeout_s: 2$//' scaleplan.yaml
ctl "$P" '{"rules": [{"method": "GET", "path": "/state/slow", "count": -1, "action": "delay", "ms": 3000}]}'
run 1 plan
has "timed out"
has "$P/state/slow"
ctl "$P" '{"rules": []}'
freshl err500 "$P"
ctl "$P" '{"rules": [{"method": "GET", "path": "/state/err500", "count": -1, "status": 500}]}'
run 1 drift
has "HTTP 500"
has "3 attempts"
ctl "$P" '{"rules": []}'
freshl garbage "$P"
ctl "$P" '{"put": {"path": "/state/garbage", "body": "<html><body>Bad Gateway</body></html>"}}'
run 1 plan
has "$P/state/garbage"
has "is not a scaleplan state: invalid JSON"
run 1 apply --auto-approve
same "$(ninfra)" 0 "resources created over a state that is not one"
# a server that cannot lock: reading works, changing the state does not
fresh nolock "$P"
run 0 plan
run 1 apply --auto-approve
has "no lock_address"
same "$(ninfra)" 0 "resources created without a lock"

# ---- GitLab's layout: POST and DELETE of ADDRESS/lock, 409, basic auth ---------
fresh gitlab "$G" "lock_address: $G/state/gitlab/lock" "lock_method: POST" "unlock_method: DELETE"
run 1 plan
has "refused the credentials (HTTP 401)"
export TF_HTTP_USERNAME=tf-user TF_HTTP_PASSWORD=$PASSWORD
run 0 apply --auto-approve
has "Apply complete: 11 created"
grep -q "^POST /state/gitlab/lock 200 user=tf-user" "$ROOT/gitlab.log" && ok || bad "no POST of the lock"
grep -q "^DELETE /state/gitlab/lock 200 user=tf-user" "$ROOT/gitlab.log" && ok || bad "no DELETE of the lock"
run 0 drift
run 0 state list
export SCALEPLAN_HTTP_PASSWORD=not-the-password
run 1 state list
has "refused the credentials (HTTP 403)"
unset SCALEPLAN_HTTP_PASSWORD
# two at once: the server's 409 names the holder
mark=$(loglines gitlab)
SCALEPLAN_LOCAL_LATENCY_MS=300 "$BIN" apply --auto-approve --at 2030-06 --parallelism 1 >"$ROOT/first" 2>&1 &
first=$!
i=0
while ! logsince gitlab "$mark" | grep -q '^POST /state/gitlab/lock 200' && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
run 1 state rm service.feed
has "the state is locked by another command"
has "operation: apply"
wait $first
same "$?" 0 "the first apply"
unset TF_HTTP_USERNAME TF_HTTP_PASSWORD
# the spec names the password's variable: plan files record the name, never the value
fresh gitlab-spec "$G" "lock_address: $G/state/gitlab-spec/lock" "lock_method: POST" "unlock_method: DELETE" \
    "username: tf-user" 'password: ${SP_E2E_PW}'
run 1 plan
has "SP_E2E_PW"
export SP_E2E_PW=$PASSWORD
run 0 plan -out p.json
grep -q '"password": "${SP_E2E_PW}"' p.json && ok || bad "the plan file does not name the password's variable"
run 0 apply p.json
has "Apply complete: 11 created"
run 0 plan --detailed-exitcode
"$BIN" state pull >pulled.json 2>&1
unset SP_E2E_PW
# no output, plan file, state or server log holds the password
if grep -r -q -- "$PASSWORD" "$ROOT"/all "$ROOT"/first "$ROOT"/*.log "$ROOT"/*/*.json "$ROOT"/*/.scaleplan 2>/dev/null; then
    bad "the password appears in an output or a file"
else
    ok
fi

echo "e2e-http: $pass passed, $fail failed"
[ $fail = 0 ]
