#!/bin/sh
# End-to-end tests of plan, apply, drift and state with the state in etcd:
#   usage: sh tests/e2e-etcd.sh BIN SRCDIR
# The script starts its own etcd members (Debian's etcd-server: one, three for
# the failover case, one with auth turned on) on loopback ports it picks, in a
# scratch folder, and a fault-injecting proxy (tests/servers/fault_proxy.py)
# for slow and failing members; it stops every one by its PID on every exit
# path. Each case has its own folder and its own key prefix. Nothing is
# skipped: without etcd, etcdctl or python3 the script fails.
set -u
BIN=$1
SRC=$2
export NO_COLOR=1 SCALEPLAN_NOW=2027-01
unset SCALEPLAN_FAULT_AT SCALEPLAN_FAULT_KIND SCALEPLAN_LOCAL_LATENCY_MS SCALEPLAN_ETCD_FAULT_AT \
    SCALEPLAN_ETCD_FAULT_KIND SCALEPLAN_ETCD_USERNAME SCALEPLAN_ETCD_PASSWORD SCALEPLAN_ETCD_CACERT \
    SCALEPLAN_ETCD_CERT SCALEPLAN_ETCD_KEY
. "$SRC/tests/servers/lib.sh"
ETCD_SH="$SRC/tests/servers/etcd.sh"
for x in etcd etcdctl python3; do
    command -v $x >/dev/null 2>&1 || { echo "e2e-etcd: error: '$x' is not installed ('make deps' installs it)"; exit 1; }
done
pass=0
fail=0
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sp-e2e-etcd.XXXXXX")
BG=""        # background applies, killed if still running at exit
PROXY=""     # the fault proxy's PID
cleanup() {
    for p in $BG; do kill -KILL "$p" 2>/dev/null; done
    sp_stop $PROXY
    for d in "$ROOT"/etcd-*; do [ -d "$d" ] && sh "$ETCD_SH" stop "$d"; done
    rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL e2e-etcd/$CASE: $*"; [ -f "$ROOT/out" ] && sed 's/^/  | /' "$ROOT/out" | head -30; }
# run EXPECTED_EXIT ARGS...: runs scaleplan, output in $ROOT/out (and kept in $ROOT/all, for the secrets check)
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
atmost() { if [ "$1" -le "$2" ]; then ok; else bad "$3: $1 > $2"; fi; }
# etcdctl's own 5 s per command is too short on a loaded machine
export ETCDCTL_COMMAND_TIMEOUT=30s ETCDCTL_DIAL_TIMEOUT=10s
ectl() { ETCDCTL_API=3 etcdctl --endpoints="$E1" "$@"; }
# fresh NAME ENDPOINTS [MORE]: a case folder with the example spec, its state in etcd under e2e/NAME
fresh() {
    CASE=$1
    W="$ROOT/$1"
    mkdir -p "$W" && cd "$W" || exit 1
    sed "s|^state: {backend: local}|state: {backend: etcd, endpoints: [$2], prefix: e2e/$1, lock_ttl_s: 5${3:+, $3}}|" \
        "$SRC/examples/saas-web.yaml" >scaleplan.yaml
    grep -q '^state: {backend: etcd' scaleplan.yaml || { bad "the example's 'state:' line was not replaced"; exit 1; }
}
nstate() { "$BIN" state list 2>/dev/null | wc -l | tr -d ' '; }
serial() { "$BIN" state pull "$@" 2>/dev/null | sed -n 's/^  "serial": \([0-9]*\),$/\1/p'; }
lineage() { "$BIN" state pull "$@" 2>/dev/null | sed -n 's/^  "lineage": "\([^"]*\)",$/\1/p'; }
# waits (10 s at most) until a command holds the lock of prefix $1
wait_lock() {
    i=0
    while [ -z "$(ectl get "$1/lock" --print-value-only 2>/dev/null)" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
}
# waits (30 s at most) until the state holds $1 resources or more
wait_records() {
    i=0
    while [ "$(nstate)" -lt "$1" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
}

sh "$ETCD_SH" start "$ROOT/etcd-1" 1 || { echo "e2e-etcd: error: etcd did not start"; exit 1; }
E1=$(cat "$ROOT/etcd-1/endpoints")

# ---- plan, apply, plan again: no changes; a saved plan reopens etcd ---------------------------
fresh converge "$E1"
run 2 plan --detailed-exitcode
has "11 to create"
run 0 apply --auto-approve
has "Apply complete: 11 created"
same "$(nstate)" 11 "resources in the state"
run 0 plan --detailed-exitcode
has "No changes"
run 0 drift
has "No drift"
has "the state etcd $E1 prefix e2e/converge (serial 12)"
same "$(ectl get --prefix e2e/converge/ --keys-only | grep -c .)" 12 "keys in etcd (the head and one per resource)"
same "$(ectl get e2e/converge/lock --keys-only | grep -c .)" 0 "lock keys left behind"
s1=$(serial)
run 0 apply --auto-approve
same "$(serial)" "$s1" "serial after an apply with nothing to do"
run 0 plan --at 2029-06 -out plan.json
grep -q '"backend": "etcd"' plan.json && ok || bad "the plan file does not record the etcd backend"
run 0 apply plan.json
has "Apply complete"
run 0 plan --detailed-exitcode --at 2029-06
run 0 apply plan.json
has "was already applied"

# ---- drift: a hand edit of a resource --------------------------------------------------------
f=".scaleplan/infra/service.web-api[us-east-1].json"
sed 's/"instances": [0-9]*/"instances": 99/' "$f" >x.json && mv x.json "$f"
run 2 drift
has "service.web-api\[us-east-1\]: changed outside scaleplan"
has "instances: .* (state) -> 99 (actual)"
run 0 apply --auto-approve --at 2029-06
run 0 drift

# ---- state list, show, rm, import, pull, push, unlock ----------------------------------------
run 0 state show 'service.web-api[us-east-1]'
has "instances"
"$BIN" state pull >old.json
run 0 state rm 'queue.emails[us-east-1]'
has "Removed queue.emails"
same "$(ectl get 'e2e/converge/removed/queue.emails[us-east-1]' --keys-only | grep -c .)" 1 "the removed key"
same "$(ectl get 'e2e/converge/r/queue.emails[us-east-1]' --keys-only | grep -c .)" 0 "the resource key"
run 0 plan --at 2029-06
has "left alone"
run 0 state import 'queue.emails[us-east-1]'
run 0 plan --detailed-exitcode --at 2029-06
run 1 state push old.json
has "older than the stored serial"
run 0 state push --force old.json
has "Pushed 'old.json' to etcd"
run 0 state pull --backup
has '"serial"'
run 0 state pull --no-journal
run 1 state unlock 5f1c0c39-2b7e-4a46-9d7a-0b6b0f3f9c1e
has "the state is not locked"
run 0 apply --auto-approve --at 2029-06
run 0 plan --detailed-exitcode --at 2029-06

# ---- two applies at once from two folders: one is refused, one waits ------------------------
CASE=two
mkdir -p "$ROOT/two/a" "$ROOT/two/b"
for d in a b; do
    sed -e "s|^state: {backend: local}|state: {backend: etcd, endpoints: [$E1], prefix: e2e/two, lock_ttl_s: 5}|" \
        -e "s|^provider: {kind: local}|provider: {kind: local, path: $ROOT/two/infra}|" \
        "$SRC/examples/saas-web.yaml" >"$ROOT/two/$d/scaleplan.yaml"
done
cd "$ROOT/two/a" || exit 1
SCALEPLAN_LOCAL_LATENCY_MS=300 "$BIN" apply --auto-approve --parallelism 1 >"$ROOT/first" 2>&1 &
first=$!
BG="$BG $first"
wait_lock e2e/two
cd "$ROOT/two/b" || exit 1
run 1 apply --auto-approve
has "the state is locked by another command"
has "operation: apply"
has "process:"
has "ends:      when its holder finishes, or"
run 0 apply --auto-approve --lock-timeout 60s
wait $first
same "$?" 0 "the first apply"
same "$(nstate)" 11 "resources after two applies"
same "$("$BIN" state list | sort | uniq -d | wc -l | tr -d ' ')" 0 "addresses recorded twice"
run 0 plan --detailed-exitcode

# ---- kill -9 of an apply that holds the lock: the next one proceeds after the TTL -------------
fresh killed "$E1"
SCALEPLAN_LOCAL_LATENCY_MS=500 "$BIN" apply --auto-approve --parallelism 1 >"$ROOT/first" 2>&1 &
victim=$!
BG="$BG $victim"
wait_records 2
kill -KILL $victim
wait $victim 2>/dev/null
n=$(nstate)
if [ "$n" -ge 2 ] && [ "$n" -lt 11 ]; then ok; else bad "the killed apply recorded $n resources"; fi
run 1 apply --auto-approve
has "the state is locked by another command"
has "operation: apply"
t0=$(date +%s)
run 0 apply --auto-approve --lock-timeout 30s
t1=$(date +%s)
atmost $((t1 - t0)) 20 "seconds until the dead holder's lock expired and the apply finished"
same "$(nstate)" 11 "resources after the apply that followed the kill"
run 0 plan --detailed-exitcode
run 0 drift

# ---- state unlock ID of another's lock: its holder stops writing ---------------------------
fresh unlock "$E1"
SCALEPLAN_LOCAL_LATENCY_MS=400 "$BIN" apply --auto-approve --parallelism 1 >"$ROOT/first" 2>&1 &
first=$!
BG="$BG $first"
wait_lock e2e/unlock
id=$(ectl get e2e/unlock/lock --print-value-only | sed -n 's/^ *"id": "\([^"]*\)",$/\1/p')
run 0 state unlock "$id"
has "Cleared the lock $id"
wait $first
same "$?" 1 "the apply whose lock was removed"
grep -q "no longer holds the lock" "$ROOT/first" && ok || bad "the apply whose lock was removed does not say so"
run 0 apply --auto-approve
run 0 plan --detailed-exitcode
same "$(nstate)" 11 "resources after the unlocked apply and the next"

# ---- failover: kill -9 of the member in use (the leader) during an apply --------------------
CASE=failover
if sh "$ETCD_SH" start "$ROOT/etcd-3" 3; then
    all=$(cat "$ROOT/etcd-3/endpoints")
    # the leader first: the member the apply uses, and the one whose death forces an election
    leader=$(ETCDCTL_API=3 etcdctl --endpoints="$all" endpoint status -w json | python3 -c '
import json, sys
for s in json.load(sys.stdin):
    if s["Status"]["header"]["member_id"] == s["Status"]["leader"]:
        print(s["Endpoint"])')
    k=0
    for i in 1 2 3; do [ "$(cat "$ROOT/etcd-3/endpoint.$i")" = "$leader" ] && k=$i; done
    others=$(echo "$all" | tr ',' '\n' | grep -v "^$leader$" | tr '\n' ',' | sed 's/,$//; s/,/, /')
    if [ "$k" = 0 ]; then
        bad "no leader found among $all"
    else
        fresh failover "$leader, $others"
        SCALEPLAN_LOCAL_LATENCY_MS=300 "$BIN" apply --auto-approve --parallelism 1 >"$ROOT/first" 2>&1 &
        first=$!
        BG="$BG $first"
        wait_records 3
        sh "$ETCD_SH" kill "$ROOT/etcd-3" "$k"
        wait $first
        same "$?" 0 "the apply whose member was killed"
        grep -q "Apply complete: 11 created" "$ROOT/first" && ok || bad "the apply did not complete: $(tail -3 "$ROOT/first")"
        same "$(nstate)" 11 "resources after the failover"
        same "$("$BIN" state list | sort | uniq -d | wc -l | tr -d ' ')" 0 "addresses recorded twice"
        # 11 records and the final write: a record sent twice would show here
        same "$(serial)" 12 "serial after the failover"
        run 0 plan --detailed-exitcode
    fi
    sh "$ETCD_SH" stop "$ROOT/etcd-3"
else
    bad "the 3-member cluster did not start"
fi

# ---- network faults: a dead cluster, 503s, 500s, a slow member --------------------------------
d1=http://127.0.0.1:$(sp_free_port)
d2=http://127.0.0.1:$(sp_free_port)
fresh down "$d1, $d2"
t0=$(date +%s)
run 1 plan
t1=$(date +%s)
has "no etcd member answered ($d1, $d2;"
has "the last failure: POST $d2/v3/kv/range"
atmost $((t1 - t0)) 15 "seconds to report a dead cluster"

python3 "$SRC/tests/servers/fault_proxy.py" "$ROOT/proxy.port" "$E1" "$ROOT/proxy.ctl" &
PROXY=$!
i=0
while [ ! -s "$ROOT/proxy.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
P=http://127.0.0.1:$(cat "$ROOT/proxy.port")
echo "fail 3" >"$ROOT/proxy.ctl"
fresh flaky "$P"
run 0 apply --auto-approve
has "Apply complete: 11 created"
same "$(cat "$ROOT/proxy.ctl")" "pass" "503s the proxy had still to send"
run 0 plan --detailed-exitcode
echo "down" >"$ROOT/proxy.ctl"
t0=$(date +%s)
run 1 plan
t1=$(date +%s)
has "etcd answered HTTP 500: internal error"
has "no etcd member answered ($P;"
atmost $((t1 - t0)) 15 "seconds to give up on a member that answers 500"
echo "slow 3000" >"$ROOT/proxy.ctl"
fresh slow "$P" "timeout_s: 1, retry_max: 1"
run 1 state list
has "timed out"
fresh slowfailover "$P, $E1" "timeout_s: 1"
run 0 apply --auto-approve
has "Apply complete: 11 created"
run 0 plan --detailed-exitcode
echo "pass" >"$ROOT/proxy.ctl"

# ---- state migrate: local -> etcd -> local, lineage and serial kept --------------------------
CASE=migrate
W="$ROOT/migrate"
mkdir -p "$W" && cd "$W" || exit 1
cp "$SRC/examples/saas-web.yaml" scaleplan.yaml
run 0 apply --auto-approve
lin=$(lineage)
ser=$(serial)
sed "s|^state: {backend: local}|state: {backend: etcd, endpoints: [$E1], prefix: e2e/migrate}|" \
    "$SRC/examples/saas-web.yaml" >scaleplan.yaml
run 0 state migrate --state .scaleplan/state.json --to etcd
has "Copied the state from .scaleplan/state.json to etcd $E1 prefix e2e/migrate: lineage $lin, serial $ser, 11 resources"
same "$(lineage)" "$lin" "lineage in etcd"
same "$(serial)" "$ser" "serial in etcd"
run 0 plan --detailed-exitcode
run 1 state migrate --to etcd
has "name the local state to copy with --state FILE"
run 0 state migrate --to back.json
same "$(lineage --state back.json)" "$lin" "lineage back in a file"
same "$(serial --state back.json)" "$ser" "serial back in a file"
"$BIN" state pull >e.json && "$BIN" state pull --state back.json >f.json && cmp -s e.json f.json && ok ||
    bad "the state copied back differs from the state in etcd"
cmp -s f.json .scaleplan/state.json && ok || bad "the state copied back differs from the first file"
sed "s|prefix: e2e/migrate|prefix: e2e/converge|" scaleplan.yaml >other.yaml
run 1 state migrate --spec other.yaml --state back.json --to etcd
has "already holds a state"
run 0 state migrate --spec other.yaml --state back.json --to etcd --force
same "$(lineage --spec other.yaml)" "$lin" "lineage after migrate --force"

# ---- credentials: user and password, never in an output, a plan file or a key ---------------
CASE=secrets
PW="e2e-Pw-7f3q-not-for-output"
if sh "$ETCD_SH" start "$ROOT/etcd-auth" 1; then
    EA=$(cat "$ROOT/etcd-auth/endpoints")
    # etcd 3.4 turns auth on only when the root user has the root role
    eactl() { ETCDCTL_API=3 etcdctl --endpoints="$EA" "$@" >"$ROOT/etcdctl.out" 2>&1 || { bad "etcdctl $1 $2 failed"; sed 's/^/  | /' "$ROOT/etcdctl.out"; }; }
    eactl user add root --interactive=false --new-user-password="$PW"
    eactl role add root
    eactl user grant-role root root
    eactl auth enable
    # auth is on: a request without credentials is refused, one with them answers
    ETCDCTL_API=3 etcdctl --endpoints="$EA" get e2e/x >"$ROOT/etcdctl.out" 2>&1 && bad "etcd answers without credentials: auth is off" || ok
    grep -q "user name is empty\|authentication required\|permission denied\|invalid auth token" "$ROOT/etcdctl.out" && ok || { bad "etcd did not refuse for want of credentials"; sed 's/^/  | /' "$ROOT/etcdctl.out"; }
    ETCDCTL_API=3 etcdctl --endpoints="$EA" --user "root:$PW" get e2e/x >"$ROOT/etcdctl.out" 2>&1 && ok || { bad "etcd refused root's credentials"; sed 's/^/  | /' "$ROOT/etcdctl.out"; }
    export SP_E2E_PW="$PW"
    fresh secrets "$EA" "username: root, password: \"\${SP_E2E_PW}\""
    run 0 plan -out plan.json
    grep -q "$PW" plan.json && bad "the plan file holds the password" || ok
    grep -q '"password": "${SP_E2E_PW}"' plan.json && ok || bad "the plan file does not name the password's variable"
    run 0 apply plan.json
    has "Apply complete: 11 created"
    run 0 drift
    run 0 state pull
    run 0 state list
    export SCALEPLAN_ETCD_PASSWORD=Wrong-e2e-password
    run 1 plan
    unset SCALEPLAN_ETCD_PASSWORD
    has "refused the credentials of user 'root'"
    grep -q "Wrong-e2e-password" "$ROOT/out" && bad "a wrong password is printed" || ok
    unset SP_E2E_PW
    run 1 plan
    has "needs the environment variable SP_E2E_PW"
    keys=$(ETCDCTL_API=3 etcdctl --endpoints="$EA" --user "root:$PW" get --prefix e2e/ 2>&1)
    case $keys in *"$PW"*) bad "a key in etcd holds the password" ;; *e2e/secrets/head*) ok ;; *) bad "no keys: $keys" ;; esac
    grep -rq "$PW" . && bad "a file in the case folder holds the password" || ok
    grep -q "$PW" "$ROOT/all" && bad "an output holds the password" || ok
    sh "$ETCD_SH" stop "$ROOT/etcd-auth"
else
    bad "the etcd with auth did not start"
fi

echo "e2e-etcd: $pass passed, $fail failed"
[ $fail = 0 ]
