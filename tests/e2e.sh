#!/bin/sh
# End-to-end tests of plan, apply, drift and state with the local provider and
# the local state backend, each case in its own scratch folder:
#   usage: sh tests/e2e.sh BIN SRCDIR
# Every check prints "ok"/"FAIL" with a name; the script exits non-zero on any
# failure. The clock is pinned (SCALEPLAN_NOW) so plans are reproducible.
set -u
BIN=$1
SRC=$2
export NO_COLOR=1 SCALEPLAN_NOW=2027-01
unset SCALEPLAN_FAULT_AT SCALEPLAN_FAULT_KIND SCALEPLAN_LOCAL_LATENCY_MS
pass=0
fail=0
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sp-e2e.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT INT TERM

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL e2e/$CASE: $*"; [ -f "$ROOT/out" ] && sed 's/^/  | /' "$ROOT/out" | head -30; }
# run EXPECTED_EXIT ARGS...: runs scaleplan, output in $ROOT/out
run() {
    want=$1; shift
    "$BIN" "$@" >"$ROOT/out" 2>&1
    got=$?
    if [ "$got" = "$want" ]; then ok; else bad "scaleplan $* exited $got, expected $want"; fi
}
has() { if grep -q -- "$1" "$ROOT/out"; then ok; else bad "output lacks '$1'"; fi; }
hasnt() { if grep -q -- "$1" "$ROOT/out"; then bad "output has '$1'"; else ok; fi; }
same() { if [ "$1" = "$2" ]; then ok; else bad "$3: '$1' != '$2'"; fi; }
fresh() {
    CASE=$1
    W="$ROOT/$1"
    mkdir -p "$W" && cd "$W" || exit 1
    cp "$SRC/examples/${2:-saas-web.yaml}" scaleplan.yaml
}
nstate() { "$BIN" state list 2>/dev/null | wc -l | tr -d ' '; }
ninfra() { ls .scaleplan/infra 2>/dev/null | grep -c '\.json$'; }

# ---- plan, apply, plan again: no changes ------------------------------------
fresh converge
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
# the state file: version, lineage, serial, sorted resources
run 0 state pull
has '"version": 2'
has '"lineage": "'
"$BIN" state list >"$ROOT/out"; sort -c "$ROOT/out" && ok || bad "state list is not sorted"
# an apply with nothing to do changes nothing, not even the serial
s1=$("$BIN" state pull | grep '"serial"')
run 0 apply --auto-approve
s2=$("$BIN" state pull | grep '"serial"')
same "$s1" "$s2" "serial after an empty apply"

# ---- apply on a terminal asks, and only "yes" goes ahead --------------------
if command -v script >/dev/null 2>&1; then
    fresh approval
    printf 'no\n' | script -qec "'$BIN' apply" /dev/null >"$ROOT/out" 2>&1
    same "$?" 1 "apply answered 'no'"
    has "Apply cancelled; nothing was changed."
    same "$(ninfra)" 0 "resources after 'no'"
    printf 'yes\n' | script -qec "'$BIN' apply" /dev/null >"$ROOT/out" 2>&1
    same "$?" 0 "apply answered 'yes'"
    has "Apply complete: 11 created"
    CASE=converge; cd "$ROOT/converge" || exit 1
else
    echo "note: e2e/approval skipped (no script(1) for a terminal)"
fi

# ---- growth: a later month updates in place ---------------------------------
run 2 plan --detailed-exitcode --at 2029-06
has "to update"
has " -> "
run 0 apply --auto-approve --at 2029-06
run 0 plan --detailed-exitcode --at 2029-06

# ---- saved plans: applied exactly; stale ones refused ----------------------
fresh saved
run 0 plan -out p1.json
has "Saved the plan to p1.json"
run 0 apply p1.json
has "Apply complete: 11 created"
run 0 plan --detailed-exitcode
# the horizon cost applied is recorded: the next plan compares against it
has "change over the horizon since the last apply: \$0 p50"
run 0 plan --at 2029-06 -out p2.json
run 0 plan --at 2030-06 -out p3.json
run 0 apply p2.json
run 1 apply p3.json
has "is stale"
has "serial"
# a resource changed by hand after the plan: that operation is refused
run 0 plan --at 2030-06 -out p4.json
f=".scaleplan/infra/service.web-api[us-east-1].json"
sed -i 's/"instances": [0-9]*/"instances": 77/' "$f"
run 1 apply p4.json
has "changed outside scaleplan since the plan"
# a value that needs all 17 digits survives the plan file: the saved plan applies
run 0 apply --auto-approve --at 2030-06
sed -i 's/"instances": [0-9]*/"instances": 2.0000000000000004/' "$f"
run 0 plan --at 2030-06 -out p5.json
run 0 apply p5.json
has "Apply complete: 0 created, 1 updated"
# a damaged plan file is an error with its place
printf '{"format_version": 1,\n  "spec_digest": 5}\n' >bad.json
run 1 apply bad.json
has "bad.json: spec_digest: must be a string"
printf '{"format_version": 9}' >v9.json
run 1 apply v9.json
has "plan format 9 is not supported"

# ---- drift: a hand edit, a deletion, an unmanaged file ----------------------
fresh drift
run 0 apply --auto-approve
sed -i 's/"instances": [0-9]*/"instances": 42/' ".scaleplan/infra/service.feed[us-east-1].json"
rm ".scaleplan/infra/service.search[us-east-1].json"
cp ".scaleplan/infra/service.catalog[us-east-1].json" ".scaleplan/infra/service.catalog[eu-west-9].json"
sed -i 's/us-east-1/eu-west-9/g' ".scaleplan/infra/service.catalog[eu-west-9].json"
run 2 drift
has "~ service.feed\[us-east-1\]: changed outside scaleplan"
has "instances: 3 (state) -> 42 (actual)"
has "- service.search\[us-east-1\]: in the state, but gone"
has "+ service.catalog\[eu-west-9\]: exists, but is not in the state"
# --refresh=false trusts the state: the hand edits are not seen
run 0 plan --refresh=false --detailed-exitcode
has "No changes"
run 2 drift --format json
has '"kind": "changed"'
has '"kind": "missing"'
has '"kind": "unmanaged"'
# plan puts it back
run 2 plan --detailed-exitcode
has "instances: 42 -> 3"
has "+ service.search\[us-east-1\]"
has "- service.catalog\[eu-west-9\]"
run 0 apply --auto-approve
run 0 drift
run 0 plan --detailed-exitcode

# ---- fault injection at every operation, then a re-run converges -----------
for kind in error crash; do
    k=1
    while [ $k -le 11 ]; do
        fresh "fault-$kind-$k"
        if [ $kind = crash ]; then want=137; else want=1; fi
        SCALEPLAN_FAULT_AT=$k SCALEPLAN_FAULT_KIND=$kind "$BIN" apply --auto-approve --parallelism 1 \
            >"$ROOT/out" 2>&1
        got=$?
        same "$got" "$want" "exit status with a fault at operation $k"
        if [ $kind = error ]; then
            grep -q "injected fault" "$ROOT/out" && ok || bad "no 'injected fault' in the report"
        fi
        # the state holds exactly what was done: it matches the provider (no
        # drift), and a crash stops right at operation k
        run 0 drift
        same "$(nstate)" "$(ninfra)" "resources recorded vs resource files after a fault at operation $k"
        if [ $kind = crash ]; then
            same "$(nstate)" "$((k - 1))" "resources recorded after a crash at operation $k"
        fi
        run 0 apply --auto-approve --parallelism 3
        run 0 plan --detailed-exitcode
        same "$(nstate)" 11 "resources after the re-run"
        run 0 drift
        k=$((k + 1))
    done
done
# a fault during an update and a delete converges too
fresh fault-update
run 0 apply --auto-approve
SCALEPLAN_FAULT_AT=2 "$BIN" apply --auto-approve --at 2030-06 --parallelism 1 >"$ROOT/out" 2>&1
same "$?" 1 "exit status of a failed update"
# the report says what was done, what failed and why, and what was skipped
has "operations done, 1 failed, 3 skipped"
has "  done    "
has "  failed  .*injected fault at operation 2"
has "run apply again to continue"
run 0 apply --auto-approve --at 2030-06
run 0 plan --detailed-exitcode --at 2030-06

# ---- two applies at once: one waits or fails with the holder's info --------
fresh concurrent
SCALEPLAN_LOCAL_LATENCY_MS=300 "$BIN" apply --auto-approve --parallelism 1 >"$ROOT/first" 2>&1 &
first=$!
i=0
while [ ! -s .scaleplan/state.json.lock ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
run 1 apply --auto-approve
has "the state is locked by another command"
has "operation: apply"
has "process:"
run 1 state rm service.feed
has "locked"
run 0 apply --auto-approve --lock-timeout 30s
wait $first
same "$?" 0 "the first apply"
run 0 plan --detailed-exitcode
same "$(nstate)" 11 "resources after two applies"

# ---- lifecycle protections --------------------------------------------------
fresh lifecycle
run 0 apply --auto-approve
# changing the engine of a prevent_destroy datastore needs a replace: refused
awk '/^  orders-db:/{inblk=1} inblk&&/engine: postgres/{sub(/postgres/,"mysql"); inblk=0} {print}' scaleplan.yaml >s2.yaml
mv s2.yaml scaleplan.yaml
if "$BIN" validate >/dev/null 2>&1; then
    run 1 plan
    has "prevent_destroy"
    has "datastore.orders-db\[us-east-1\]"
else
    bad "the edited spec does not validate"
fi
# lifting the protection in the spec is not enough while the state records it
sed -i 's/    lifecycle: {prevent_destroy: true}//' scaleplan.yaml
run 1 plan
has "datastore.orders-db\[us-east-1\]: error: this plan would replace (destroy, then create) it, but it was applied with prevent_destroy: true"
# the lift applied first (the engine as it was), the same change plans as a replace
sed 's/engine: mysql/engine: postgres/' scaleplan.yaml >lift.yaml
run 0 apply --auto-approve lift.yaml
run 0 state show 'datastore.orders-db[us-east-1]'
hasnt "prevent_destroy"
run 2 plan --detailed-exitcode
has "-/+ datastore.orders-db\[us-east-1\]"
has "(forces replacement)"
run 0 apply --auto-approve
has "replaced"
run 0 plan --detailed-exitcode
# a change that takes a service to zero is refused unless allow_zero
fresh zero
run 0 apply --auto-approve
sed -i 's/scaling: {target_utilization: 0.7, min: 1, max: 50}/scaling: {target_utilization: 0.7, min: 0, max: 50}/; s/emails: {from: web-api, per_request: 0.01,/emails: {from: web-api, per_request: 0,/' scaleplan.yaml
run 1 plan
has "service.mailer\[us-east-1\]: error: this plan would scale it from"
sed -i 's/min: 0, max: 50}/min: 0, max: 50}\n    lifecycle: {allow_zero: true}/' scaleplan.yaml
run 2 plan --detailed-exitcode
has "instances: 3 -> 0"
run 0 apply --auto-approve

# ---- state commands ---------------------------------------------------------
fresh state
run 0 apply --auto-approve
run 0 state list service
same "$(grep -c . "$ROOT/out")" 7 "services listed"
run 0 state show "service.web-api[us-east-1]"
has "instances"
has "depends_on"
run 1 state show "service.nope[us-east-1]"
has "not in the state"
"$BIN" state pull >old.json
run 0 state rm "service.feed[us-east-1]"
has "Removed service.feed\[us-east-1\]"
same "$(nstate)" 10 "resources after rm"
run 1 state rm "service.nope"
has "no such resource"
# push: an older serial is refused, unless forced
run 1 state push old.json
has "older than the stored serial"
run 0 state push --force old.json
same "$(nstate)" 11 "resources after a forced push"
# another lineage is refused
sed 's/"lineage": "[^"]*"/"lineage": "00000000-0000-4000-8000-000000000000"/' old.json >other.json
# an edited file no longer matches its checksum: push says how to push it on purpose
run 1 state push other.json
has "does not match its checksum"
has "delete its \"checksum\" line"
sed -i '/"checksum":/d' other.json
run 1 state push other.json
has "different history"
# a damaged state is an error everywhere, never replaced silently; push --force mends it
cp .scaleplan/state.json good.json
echo '{"version": 1, "lineage": ' >.scaleplan/state.json
run 1 state list
has "state.json"
run 1 plan
run 1 state push good.json
has "cannot be read"
run 0 state push --force good.json
run 0 plan --detailed-exitcode
run 1 state unlock 00000000-0000-4000-8000-000000000000
# usage errors exit 1, as in Terraform: 2 is kept for "changes"
run 1 state frobnicate
run 1 state show
run 1 plan --detailed-exitcode --taget service.web-api
has "unknown option '--taget'"

# ---- nothing protected is destroyed, whatever the state says ----------------
# the spec protects orders-db; its eu-west-1 copy exists from 2028 on
fresh protect-rm
run 0 apply --auto-approve --at 2030-06
f='.scaleplan/infra/datastore.orders-db[eu-west-1].json'
run 0 state rm 'datastore.orders-db[eu-west-1]'
has "Removed datastore.orders-db\[eu-west-1\] from the state"
# state rm: the provider's copy is neither adopted nor deleted
run 0 apply --auto-approve --at 2027-06 --target datastore.orders-db
has "1 resource left alone: removed from the state"
has "= datastore.orders-db\[eu-west-1\]"
[ -f "$f" ] && ok || bad "state rm then apply deleted the datastore"
run 0 state list
hasnt "orders-db\[eu-west-1\]"
run 0 drift
has "No drift"
run 0 plan --format json --at 2030-06
has '"left_alone": \[' 
has '"datastore.orders-db\[eu-west-1\]"'
# until state import manages it again
run 0 state import 'datastore.orders-db[eu-west-1]'
has "Imported datastore.orders-db\[eu-west-1\]"
run 0 state show 'datastore.orders-db[eu-west-1]'
has "lifecycle.prevent_destroy = true"
# the import adopted the copy as it is: nothing to change in eu-west-1
run 2 plan --detailed-exitcode --at 2030-06
has "1 to update"
hasnt "orders-db\[eu-west-1\]  "
run 1 state import 'datastore.orders-db[eu-west-1]'
has "already in the state"
run 1 state import 'service.nope[us-east-1]'
has "the provider (.scaleplan/infra) holds no such resource"
run 1 state import 'not an address'
has "is not a resource address"
# then the protection holds: going back to 2027-06 would destroy it
run 1 apply --auto-approve --at 2027-06 --target datastore.orders-db
has "datastore.orders-db\[eu-west-1\]: error: this plan would destroy it, but the spec protects it"
has "scaleplan.yaml:109:34: note: prevent_destroy is set here"
[ -f "$f" ] && ok || bad "the protected datastore was deleted"

# a lost state: the spec still protects; the plan fails and saves nothing
fresh protect-lost
run 0 apply --auto-approve --at 2030-06
rm -f .scaleplan/state.json .scaleplan/state.json.backup
run 1 plan --at 2027-06 -out p.json
has "datastore.orders-db\[eu-west-1\]: error: this plan would destroy it, but the spec protects it"
has "note: prevent_destroy is set here"
has "nothing was saved"
[ ! -e p.json ] && ok || bad "a refused plan was saved"
run 1 apply --auto-approve --at 2027-06
[ -f "$f" ] && ok || bad "a lost state let apply delete the datastore"

# a forced push of an older state: the same
fresh protect-push
run 0 apply --auto-approve --at 2027-06
"$BIN" state pull >early.json
run 0 apply --auto-approve --at 2030-06
run 0 state push --force early.json
run 1 apply --auto-approve --at 2027-06 --target datastore.orders-db
has "but the spec protects it"
[ -f "$f" ] && ok || bad "a pushed older state let apply delete the datastore"
# a replace of a protected resource, protected by the state only (the spec lifted it)
fresh protect-replace
run 0 apply --auto-approve
sed -i 's/    lifecycle: {prevent_destroy: true}//' scaleplan.yaml
sed -i '0,/engine: postgres/s//engine: mysql/' scaleplan.yaml
run 1 plan
has "but it was applied with prevent_destroy: true"

# ---- --max-deletes: many deletions at once need saying so -------------------
fresh max-deletes
sed -i 's/    lifecycle: {prevent_destroy: true}//' scaleplan.yaml
run 0 apply --auto-approve --at 2030-06
n=$(ninfra)
run 3 plan --at 2027-06 --max-deletes 2 -out p.json
has "this plan destroys 11 resources (11 deleted, 0 replaced), more than the 2 that --max-deletes allows"
has "with --max-deletes 11"
[ ! -e p.json ] && ok || bad "a plan over --max-deletes was saved"
run 3 apply --auto-approve --at 2027-06 --max-deletes 0
has "nothing was changed"
same "$(ninfra)" "$n" "resources after a refused apply"
printf 'lifecycle: {max_deletes: 3}\n' >>scaleplan.yaml
run 3 plan --at 2027-06
has "the spec's lifecycle.max_deletes (scaleplan.yaml:"
run 0 plan --at 2027-06 --max-deletes off -out p.json
run 3 apply --max-deletes 1 p.json
run 0 plan --at 2027-06 --max-deletes 11
run 0 plan --at 2030-06
run 1 plan --max-deletes -1
has "invalid value '-1' for option '--max-deletes'"

# ---- integrity: damage is found on read, named, and recovered ---------------
fresh integrity
run 0 apply --auto-approve
cp .scaleplan/state.json good.json
size=$(wc -c <good.json)
refused=0
k=0
while [ $k -lt 25 ]; do
    cp good.json .scaleplan/state.json
    off=$(( (k * 7919 + 31) % size ))
    byte=$(dd if=good.json bs=1 skip=$off count=1 2>/dev/null)
    if [ "$byte" = "7" ]; then new=3; else new=7; fi
    printf '%s' "$new" | dd of=.scaleplan/state.json bs=1 seek=$off conv=notrunc 2>/dev/null
    "$BIN" plan >"$ROOT/out" 2>&1
    if [ $? = 1 ] && ! grep -q "drift" "$ROOT/out"; then refused=$((refused + 1)); else bad "a byte changed at $off was accepted"; fi
    k=$((k + 1))
done
same "$refused" 25 "damaged states refused"
# the message says what is wrong and how to recover
cp good.json .scaleplan/state.json
sed -i '0,/"instances": \([0-9]\)/s//"instances": 9\1/' .scaleplan/state.json
run 1 plan
has "state.json: damaged: its content does not match its checksum"
has "scaleplan state pull --backup > s.json"
run 1 apply --auto-approve
run 1 state list
"$BIN" state pull --backup >b.json 2>"$ROOT/out" && ok || bad "state pull --backup failed"
run 0 state push --force b.json
run 0 plan
cp good.json .scaleplan/state.json

# a crash mid-apply, then the journal deleted: refused, not silently dropped
SCALEPLAN_FAULT_AT=4 SCALEPLAN_FAULT_KIND=crash "$BIN" apply --auto-approve --at 2030-06 --parallelism 1 >/dev/null 2>&1
same "$?" 137 "exit status of a crashed apply"
[ -s .scaleplan/state.json.journal ] && ok || bad "no journal after a crash"
cp .scaleplan/state.json.journal journal.keep
run 0 state list
rm .scaleplan/state.json.journal
run 1 plan --at 2030-06
has "state.json.journal: missing: the state names journal"
has "state pull --no-journal"
run 1 drift
run 1 apply --auto-approve --at 2030-06
# an emptied (truncated) one
: >.scaleplan/state.json.journal
run 1 plan
has "state.json.journal: damaged journal: the state names journal .*, but this file is empty"
# a byte changed in a record
sed '2s/"serial":\([0-9]\)/"serial":9\1/' journal.keep >.scaleplan/state.json.journal
cmp -s journal.keep .scaleplan/state.json.journal && bad "the journal record was not changed" || ok
run 1 plan
has "^scaleplan: \.scaleplan/state\.json\.journal:2: error: damaged journal record: its content does not match its checksum"
# the journal of another state
cp journal.keep .scaleplan/state.json.journal
mkdir -p "$ROOT/integrity-other" && cp scaleplan.yaml "$ROOT/integrity-other/"
(cd "$ROOT/integrity-other" && "$BIN" apply --auto-approve >/dev/null 2>&1 &&
    SCALEPLAN_FAULT_AT=2 SCALEPLAN_FAULT_KIND=crash "$BIN" apply --auto-approve --at 2030-06 --parallelism 1 >/dev/null 2>&1)
cp "$ROOT/integrity-other/.scaleplan/state.json.journal" .scaleplan/state.json.journal
run 1 plan
has "another state's journal"
# recovery: the state without its journal, pushed; then apply converges
"$BIN" state pull --no-journal >s.json 2>"$ROOT/out" && ok || bad "state pull --no-journal failed"
run 0 state push --force s.json
[ ! -e .scaleplan/state.json.journal ] && ok || bad "a forced push kept the journal"
run 0 apply --auto-approve --at 2030-06
run 0 plan --detailed-exitcode --at 2030-06
run 0 drift

# apply proves it can record before it touches the provider
fresh unwritable
run 0 apply --auto-approve
ls -l .scaleplan/infra >before.txt
serial=$("$BIN" state pull | grep '"serial"')
ln -s "$ROOT/no-such-dir/journal" .scaleplan/state.json.journal
run 1 apply --auto-approve --at 2030-06
has "cannot write the journal"
has "apply cannot record its operations, so it changed nothing"
hasnt "updated"
ls -l .scaleplan/infra >after.txt
cmp -s before.txt after.txt && ok || bad "apply changed the provider though it could not record"
same "$("$BIN" state pull | grep '"serial"')" "$serial" "serial after a refused apply"
rm .scaleplan/state.json.journal
if [ "$(id -u)" != 0 ]; then
    chmod 555 .scaleplan
    run 1 apply --auto-approve --at 2030-06
    has "changed nothing"
    chmod 755 .scaleplan
    ls -l .scaleplan/infra >after.txt
    cmp -s before.txt after.txt && ok || bad "apply changed the provider in a read-only folder"
fi
# state rm that cannot write says so, and removes nothing
mv .scaleplan/state.json.backup backup.keep
mkdir .scaleplan/state.json.backup
run 1 state rm 'service.web-api[us-east-1]'
hasnt "Removed"
has "nothing was removed"
rmdir .scaleplan/state.json.backup
mv backup.keep .scaleplan/state.json.backup
run 0 state show 'service.web-api[us-east-1]'
# temporary files a killed writer left are cleared by the next apply, which holds the lock
t='.scaleplan/infra/.service.web-api[us-east-1].json.tmp-Ab12Cd'
echo '{' >"$t"
run 0 plan
[ -e "$t" ] && ok || bad "plan (no lock) removed a temporary file"
run 0 apply --auto-approve --at 2030-06
[ ! -e "$t" ] && ok || bad "apply left a killed writer's temporary file"
links=$(stat -c %h .scaleplan/infra/*.json | sort -u | tr '\n' ' ')
same "$links" "1 " "link counts of the resource files"

# ---- a large plan: the markdown comment stays under 65,000 characters --------
CASE=large
W="$ROOT/large"
mkdir -p "$W" && cd "$W" || exit 1
{
    printf 'scaleplan: 1\nname: large\nhorizon: {start: 2027-01, months: 12}\n'
    printf 'drivers:\n  users: {start: 100000, model: constant}\n'
    printf 'regions:\n  - {name: us-east-1, zones: 3}\n  - {name: eu-west-1, zones: 3}\nservices:\n'
    i=0
    while [ $i -lt 1500 ]; do
        printf '  svc-%04d:\n    demand: {driver: users, requests_per_unit_per_day: 5}\n' $i
        printf '    work: {cpu_ms_per_request: 10}\n    instance: m7i.large\n'
        i=$((i + 1))
    done
} >scaleplan.yaml
run 0 plan --format markdown
chars=$(LC_ALL=C.UTF-8 wc -m <"$ROOT/out" | tr -d ' ')
if [ "$chars" -lt 65000 ] && [ "$chars" -gt 30000 ]; then ok; else bad "markdown has $chars characters"; fi
has "### scaleplan plan: 3000 to create"
has "more not shown"
tail -n 3 "$ROOT/out" | grep -q "</details>" && ok || bad "the markdown does not end with its details block closed"
run 0 plan --format json
same "$(grep -c '"changed_attributes"' "$ROOT/out")" 3000 "changes in the JSON plan"

# ---- Ctrl-C and SIGTERM during apply; a saved plan continues where it stopped ----
for sig in INT TERM; do
    fresh "signal-$sig"
    run 0 plan -out p.json
    SCALEPLAN_LOCAL_LATENCY_MS=200 "$BIN" apply p.json --parallelism 1 >"$ROOT/out" 2>&1 &
    pid=$!
    i=0
    while [ "$(ninfra)" -lt 2 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
    kill -$sig $pid
    wait $pid
    code=$?
    if [ $sig = INT ]; then same $code 130 "exit status after Ctrl-C"; else same $code 143 "exit status after SIGTERM"; fi
    has "apply interrupted: [0-9]* of 11 operations done, 0 failed, [0-9]* not started"
    has "interrupted (SIG$sig): the operations in flight finished"
    n=$(nstate)
    if [ "$n" -ge 2 ] && [ "$n" -lt 11 ]; then ok; else bad "$n resources recorded after the signal"; fi
    same "$n" "$(ninfra)" "resources recorded vs resource files after the signal"
    # the lock was released: a writing command does not wait
    run 0 state list
    [ -s .scaleplan/state.json.lock ] && bad "the lock file still names a holder" || ok
    # the same saved plan continues
    run 0 apply p.json
    has "Continuing the plan in 'p.json': $n of its 11 changes were done"
    has "Apply complete: $((11 - n)) created"
    run 0 plan --detailed-exitcode
    # applying it once more: already applied
    run 0 apply p.json
    has "was already applied: every change in it is in the state"
done
# a saved plan whose apply failed part way continues too
fresh resume-fault
run 0 plan -out p.json
SCALEPLAN_FAULT_AT=4 "$BIN" apply p.json --parallelism 1 >"$ROOT/out" 2>&1
same "$?" 1 "exit status of a failed saved apply"
n=$(nstate)
run 0 apply p.json
has "Continuing the plan in 'p.json': $n of its 11 changes were done"
run 0 plan --detailed-exitcode
# but not when something else changed the state since
fresh resume-refused
run 0 plan -out p.json
SCALEPLAN_FAULT_AT=4 "$BIN" apply p.json --parallelism 1 >/dev/null 2>&1
first=$("$BIN" state list | head -n 1)
run 0 state rm "$first"
run 1 apply p.json
has "is stale"
has "was taken out of management ('state rm')"

echo "e2e: $pass passed, $fail failed"
[ $fail = 0 ]
