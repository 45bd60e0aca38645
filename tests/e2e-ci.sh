#!/bin/sh
# End-to-end test of the CI examples, examples/ci/github-actions.yml and
# examples/ci/gitlab-ci.yml: each file is read (build/tests/yaml2json turns it
# into JSON) and tests/ci_steps.py runs its jobs and their `run:` / `script:`
# lines in the order the file lists them, as GitHub Actions and GitLab CI run
# them, in real git repositories this script builds (a default branch with a
# spec, pull requests that change it, their merges), with the variables and
# files the CI gives a job. ci_steps.py performs the `uses:` steps itself
# (checkout: git fetch of the ref; artifacts: copies) and fails on a key, an
# action or an expression it does not know, so the examples cannot rot.
#   usage: sh tests/e2e-ci.sh BIN SRCDIR      (BIN's folder is the build's O=)
# Servers, on loopback ports picked free, in a scratch folder, stopped by their
# PIDs on every exit path: a real etcd (tests/servers/etcd.sh) for
# the GitHub flavour's state; the Terraform HTTP state stand-in
# (tests/servers/tfstate.py, laid out as GitLab's) for the GitLab flavour; the
# forge stand-in (tests/servers/forge.py) for the comments; and ci_steps.py's
# stand-in of the runs and pipelines API, which passes the comment and state
# requests on to those two, so that each forge has one API URL as it does.
# The installed scaleplan is BIN: the workflows' `make install` runs with O= its
# build folder (what a cached build gives), so nothing is compiled here.
# Nothing is skipped: without etcd, etcdctl, python3, git, curl, jq or bash the
# script fails, as tests/e2e-etcd.sh does.
set -u
BIN=$1
SRC=$2
O=$(cd "$(dirname "$BIN")" && pwd)
Y2J=$O/tests/yaml2json
CI="python3 $SRC/tests/ci_steps.py"
. "$SRC/tests/servers/lib.sh"
for x in etcd etcdctl python3 git curl jq bash make; do
    command -v $x >/dev/null 2>&1 || { echo "e2e-ci: error: '$x' is not installed ('make deps' installs it)"; exit 1; }
done
[ -x "$Y2J" ] || { echo "e2e-ci: error: $Y2J is not built (make $Y2J)"; exit 1; }
export NO_COLOR=1 SCALEPLAN_NOW=2027-01 O
unset MAKEFLAGS MAKELEVEL MFLAGS GITHUB_TOKEN GITHUB_REPOSITORY GITHUB_EVENT_PATH GITHUB_API_URL GITHUB_SHA \
    GITHUB_REF GITHUB_BASE_REF GITHUB_HEAD_REF GITLAB_TOKEN CI_JOB_TOKEN CI_PROJECT_ID CI_MERGE_REQUEST_IID \
    CI_API_V4_URL CI_COMMIT_BRANCH CI_MERGE_REQUEST_TARGET_BRANCH_NAME SCALEPLAN_ETCD_USERNAME \
    SCALEPLAN_ETCD_PASSWORD SCALEPLAN_HTTP_USERNAME SCALEPLAN_HTTP_PASSWORD TF_HTTP_USERNAME TF_HTTP_PASSWORD \
    SCALEPLAN_FAULT_AT SCALEPLAN_FAULT_KIND GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
pass=0
fail=0
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sp-e2e-ci.XXXXXX")
PIDS=""
cleanup() {
    # shellcheck disable=SC2086
    sp_stop $PIDS
    [ -d "$ROOT/etcd" ] && sh "$SRC/tests/servers/etcd.sh" stop "$ROOT/etcd"
    rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# git reads no configuration of the machine's user
export HOME="$ROOT/home" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.com \
    GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.com
mkdir -p "$HOME"
printf '[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n' >"$HOME/.gitconfig"

CASE=setup
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL e2e-ci/$CASE: $*"; [ -f "$ROOT/out" ] && sed 's/^/  | /' "$ROOT/out" | tail -40; }
has() { if grep -q -- "$1" "$ROOT/out"; then ok; else bad "output lacks '$1'"; fi; }
hasnt() { if grep -q -- "$1" "$ROOT/out"; then bad "output has '$1'"; else ok; fi; }
same() { if [ "$1" = "$2" ]; then ok; else bad "$3: '$1' != '$2'"; fi; }
# the id of the run or pipeline the last `ci` made
last_id() { sed -n 's/^== \(run\|pipeline\) \([0-9]*\) .*/\2/p' "$ROOT/out" | tail -1; }

# ---- the servers -----------------------------------------------------------------------------------
GH_TOK="ghs_ci$$Zq81secretTOKENgh"
GL_TOK="glpat-ci$$secretTOKENgl"
JOB_TOK="jobtok-ci$$SECRETjob"
ETCD_PW="etcd-ci$$-Pw-secret"
STORE=$ROOT/store
mkdir -p "$STORE"

sh "$SRC/tests/servers/etcd.sh" start "$ROOT/etcd" 1 || { echo "e2e-ci: error: etcd did not start"; exit 1; }
E1=$(cat "$ROOT/etcd/endpoints")
# (etcd's auth stays off here: tests/e2e-etcd.sh tests it; the jobs are still given the secrets, and
# the secrets check below looks for the password in every output)
ectl() { ETCDCTL_API=3 etcdctl --endpoints="$E1" "$@"; }

FPORT=$(sp_free_port)
FORGE_GITHUB_TOKEN=$GH_TOK FORGE_GITLAB_TOKEN=$GL_TOK FORGE_GITHUB_PULLS=7,8,9,10 FORGE_GITLAB_MRS=7,8,9,10 \
    python3 "$SRC/tests/servers/forge.py" "$FPORT" "$ROOT/forge.log" >"$ROOT/forge.err" 2>&1 &
PIDS="$PIDS $!"
FORGE=http://127.0.0.1:$FPORT
sp_wait_http "$FORGE/_test/state" 20 || { echo "e2e-ci: error: the forge stand-in did not start"; cat "$ROOT/forge.err"; exit 1; }

TFSTATE_PASSWORD=$JOB_TOK python3 "$SRC/tests/servers/tfstate.py" serve --log "$ROOT/tfstate.log" \
    --port-file "$ROOT/tfstate.port" --exit-with $$ --user gitlab-ci-token --lock-method POST \
    --unlock-method DELETE --conflict 409 --missing 404 >"$ROOT/tfstate.err" 2>&1 &
PIDS="$PIDS $!"
i=0
while [ ! -s "$ROOT/tfstate.port" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$ROOT/tfstate.port" ] || { echo "e2e-ci: error: the state stand-in did not start"; cat "$ROOT/tfstate.err"; exit 1; }
TFSTATE=http://127.0.0.1:$(cat "$ROOT/tfstate.port")

APORT=$(sp_free_port)
STAND_GITHUB_TOKEN=$GH_TOK STAND_GITLAB_TOKEN=$GL_TOK python3 "$SRC/tests/ci_steps.py" serve "$APORT" "$STORE" \
    --forward "^/repos/[^/]+/[^/]+/issues/=$FORGE" --forward "^/repositories/=$FORGE" \
    --forward "^/api/v4/projects/[^/]+/merge_requests/[0-9]+/notes=$FORGE" \
    --forward "^/api/v4/projects/[^/]+/terraform/state/=$TFSTATE" >"$ROOT/api.err" 2>&1 &
PIDS="$PIDS $!"
API=http://127.0.0.1:$APORT
sp_wait_http "$API/" 20 || { echo "e2e-ci: error: the API stand-in did not start"; cat "$ROOT/api.err"; exit 1; }

# st EXPR: EXPR in python over s, the forge stand-in's comments by thread ("github:7", "gitlab:7")
st() {
    python3 - "$FORGE/_test/state" "$1" <<'PY'
import json, sys, urllib.request
s = json.load(urllib.request.urlopen(sys.argv[1], timeout=10))
print(eval(sys.argv[2]))
PY
}

# ---- the repositories ------------------------------------------------------------------------------
# origin REPO STATE-LINES...: a repository (the forge's copy) with the example spec on main, its state
# as given, its provider's resources in a folder outside every job's checkout (the world applies change)
origin() {
    R=$1
    shift
    mkdir -p "$R" && cd "$R" || exit 1
    git init -q .
    sed -e "s|^provider: {kind: local}|provider: {kind: local, path: $R.world}|" -e '/^state:/d' \
        "$SRC/examples/saas-web.yaml" >scaleplan.yaml
    for l in "$@"; do echo "$l"; done >>scaleplan.yaml
    git add -A && git commit -q -m "the spec"
}
# pr N EDIT [EDIT...]: the branch pr-N from main (or adds a commit to it) with sed edits of the spec
pr() {
    n=$1
    shift
    if git rev-parse -q --verify "refs/heads/pr-$n" >/dev/null; then git checkout -q "pr-$n"; else git checkout -q -b "pr-$n" main; fi
    for e in "$@"; do sed -i "$e" scaleplan.yaml; done
    git commit -q -am "pull request $n"
    git checkout -q main
}
# github_pr N: the refs GitHub makes for pull request N: refs/pull/N/head and the merge refs/pull/N/merge
github_pr() {
    git update-ref "refs/pull/$1/head" "pr-$1"
    git checkout -q --detach main && git merge -q --no-ff --no-edit "pr-$1" >/dev/null && git update-ref "refs/pull/$1/merge" HEAD
    git checkout -q main
}
# merge N: merges pr-N into main; MERGED is the merge commit, HEADSHA the request's last commit
merge() {
    HEADSHA=$(git rev-parse "pr-$1")
    git merge -q --no-ff -m "Merge request $1" "pr-$1" >/dev/null || { bad "pr-$1 does not merge"; git merge --abort; }
    MERGED=$(git rev-parse HEAD)
}
sha_of() { git rev-parse "$1"; }

# ci COMMAND...: one run or pipeline (env ... python3 ci_steps.py ...); its output in $ROOT/out, kept in $ROOT/all
ci() {
    "$@" >"$ROOT/out" 2>&1
    rc=$?
    cat "$ROOT/out" >>"$ROOT/all"
    [ $rc = 0 ] && ok || bad "ci_steps.py exited $rc"
}

# ---- GitHub Actions: etcd state ------------------------------------------------------------------------
CASE=github-file
"$Y2J" "$SRC/examples/ci/github-actions.yml" >"$ROOT/gh.json" && ok || bad "yaml2json refuses the workflow"
python3 - "$ROOT/gh.json" <<'PY' >"$ROOT/out" && ok || bad "the workflow lacks a required setting"
import json, sys
w = json.load(open(sys.argv[1]))
assert w["permissions"]["pull-requests"] == "write", "permissions: pull-requests: write"
assert w["jobs"]["apply"]["concurrency"]["group"] == w["jobs"]["apply-moved"]["concurrency"]["group"], "one apply at a time"
assert w["jobs"]["apply"]["concurrency"]["cancel-in-progress"] is False, "an apply is never cancelled"
assert w["jobs"]["plan"]["steps"][0]["with"]["fetch-depth"] == 0, "fetch-depth: 0"
assert w["jobs"]["apply-moved"]["environment"], "the approval job waits for a reviewer"
PY
GHO=$ROOT/gh-origin
origin "$GHO" "state: {backend: etcd, endpoints: [$E1], prefix: ci/acme-shop, lock_ttl_s: 5}"
# gh EVENT SHA REF [--approve ENV]: a run of the workflow for EVENT (the event file written here)
gh() {
    ev=$1 sha=$2 ref=$3
    shift 3
    if [ "$ev" = pull_request ]; then
        n=${ref#refs/pull/}
        n=${n%/merge}
        printf '{"action": "synchronize", "number": %s, "pull_request": {"number": %s, "head": {"ref": "pr-%s", "sha": "%s"}, "base": {"ref": "main"}}, "repository": {"full_name": "acme/shop", "default_branch": "main"}}\n' \
            "$n" "$n" "$n" "$(git -C "$GHO" rev-parse "pr-$n")" >"$ROOT/event.json"
        base=main headref=pr-$n
    else
        printf '{"ref": "refs/heads/main", "after": "%s", "repository": {"full_name": "acme/shop", "default_branch": "main"}}\n' \
            "$sha" >"$ROOT/event.json"
        base="" headref=""
    fi
    ci env GITHUB_EVENT_PATH="$ROOT/event.json" GITHUB_SHA=$sha GITHUB_REF=$ref GITHUB_REPOSITORY=acme/shop \
        GITHUB_API_URL=$API GITHUB_BASE_REF=$base GITHUB_HEAD_REF=$headref \
        GITHUB_WORKFLOW_REF="acme/shop/.github/workflows/scaleplan.yml@$ref" SECRET_GITHUB_TOKEN=$GH_TOK \
        SECRET_SCALEPLAN_ETCD_USERNAME=root SECRET_SCALEPLAN_ETCD_PASSWORD=$ETCD_PW \
        $CI github "$ROOT/gh.json" --event "$ev" --store "$STORE" --origin "$GHO" --tool-src "$SRC" "$@"
}
ghstate() { SCALEPLAN_ETCD_USERNAME=root SCALEPLAN_ETCD_PASSWORD=$ETCD_PW "$BIN" state --spec "$GHO/scaleplan.yaml" "$@" 2>&1; }

CASE=github-pr-first-run
pr 7 's/start: 150000/start: 180000/'
github_pr 7
gh pull_request "$(sha_of refs/pull/7/merge)" refs/pull/7/merge
R1=$(last_id)
has "result plan success 0"
has "result apply skipped"
has "result apply-moved skipped"
has "checked out refs/pull/7/merge at $(head refs/pull/7/merge | cut -c1-12)"
has "Posted the comment for 'acme-shop' on pull request #7 of acme/shop"
same "$(st 'len(s["github:7"])')" 1 "comments on #7"
same "$(st 's["github:7"][0]["body"].split("\n")[0]')" '<!-- scaleplan:comment name=acme-shop -->' "the marker"
same "$(st '"11 to create" in s["github:7"][0]["body"]')" True "the plan in the comment"
# the comment leads with what the change does to the model (plan --base), as plan --format markdown does
same "$(st 's["github:7"][0]["body"].split("\n", 1)[1].lstrip().split("\n")[0][:19]')" '### scaleplan diff:' "the comment's first section"
grep -q "scaleplan diff" "$STORE/runs/$R1/summary-plan.md" && ok || bad "the diff is not in the job summary"
P1=$STORE/runs/$R1/artifacts/scaleplan-plan/plan.json
[ -f "$P1" ] && ok || bad "no plan artifact"
grep -q '"base":' "$P1" && ok || bad "the saved plan has no 'base' section (plan --base)"
C1=$(st 's["github:7"][0]["id"]')
B1=$(st 's["github:7"][0]["body"]')
ectl get --prefix ci/acme-shop/ --keys-only >"$ROOT/keys" && [ ! -s "$ROOT/keys" ] && ok || bad "a pull request wrote the state"

CASE=github-pr-second-run
pr 7 's/monthly_growth: 0.09/monthly_growth: 0.1/'
github_pr 7
gh pull_request "$(sha_of refs/pull/7/merge)" refs/pull/7/merge
R2=$(last_id)
has "result plan success 0"
has "Updated the comment for 'acme-shop' on pull request #7 of acme/shop"
same "$(st 'len(s["github:7"])')" 1 "comments on #7 after the second run"
same "$(st 's["github:7"][0]["id"]')" "$C1" "the comment's id"
[ "$(st 's["github:7"][0]["body"]')" != "$B1" ] && ok || bad "the comment was not edited"
cmp -s "$P1" "$STORE/runs/$R2/artifacts/scaleplan-plan/plan.json" && bad "the second run saved the same plan" || ok

CASE=github-pr-over-budget
pr 8 's/budgets: {monthly_max: 250000}/budgets: {monthly_max: 2000}/'
github_pr 8
gh pull_request "$(sha_of refs/pull/8/merge)" refs/pull/8/merge
R8=$(last_id)
has "result plan failure 4"
has "Error: Process completed with exit code 4."
has "run $R8 failure"
grep -q "budget" "$STORE/runs/$R8/summary-plan.md" && ok || bad "the job summary does not name the gate"
[ -e "$STORE/runs/$R8/artifacts" ] && bad "a plan was saved although a gate tripped" || ok
same "$(st 'len(s.get("github:8", []))')" 0 "comments on #8"

CASE=github-merge-applies-the-reviewed-plan
merge 7
$CI merged github "$STORE" "$MERGED" 7 "$HEADSHA"
gh push "$MERGED" refs/heads/main
has "The reviewed plan: run $R2, commit $HEADSHA"
has "downloaded artifact scaleplan-plan of run $R2"
has "Apply complete: 11 created"
has "result apply success 0"
has "result apply-moved skipped"
has "result plan skipped"
same "$(ghstate list | grep -c '\[us-east-1\]')" 11 "resources in the etcd state"
[ "$(ectl get --prefix ci/acme-shop/r/ --keys-only | grep -c .)" -ge 11 ] && ok || bad "resource keys in etcd"
gh push "$MERGED" refs/heads/main
has "was already applied"
has "result apply success 0"

CASE=github-push-without-a-pull-request
echo "notes" >NOTES && git add NOTES && git commit -q -m "a direct push"
gh push "$(sha_of HEAD)" refs/heads/main
has "is not the merge of a pull request: there is no reviewed plan to apply"
has "result apply failure 1"
has "result apply-moved waiting (environment scaleplan-apply"

CASE=github-stale-plan
pr 9 's/requests_per_unit_per_day: 40/requests_per_unit_per_day: 44/'
pr 10 's/scaling: {target_utilization: 0.5, min: 3, max: 400}/scaling: {target_utilization: 0.45, min: 3, max: 400}/'
github_pr 9
gh pull_request "$(sha_of refs/pull/9/merge)" refs/pull/9/merge
has "result plan success 0"
# SP_CI_COMMENT_OUT=FILE keeps the comment of this pull request (README.md shows it)
[ -n "${SP_CI_COMMENT_OUT:-}" ] && st 's["github:9"][0]["body"]' >"$SP_CI_COMMENT_OUT"
# an update shows what it changes: no empty Changes cell, no empty details entry
same "$(st '[l for l in s["github:9"][0]["body"].split("\n") if l.startswith("| 🟡 update") and l.split(" | ")[2].strip() == ""]')" '[]' "updates with an empty Changes cell"
same "$(st '"~ service.feed[us-east-1] (update)\n-     instances = " in s["github:9"][0]["body"]')" True "the update's details"
github_pr 10
gh pull_request "$(sha_of refs/pull/10/merge)" refs/pull/10/merge
has "result plan success 0"
merge 9
$CI merged github "$STORE" "$MERGED" 9 "$HEADSHA"
gh push "$MERGED" refs/heads/main
has "result apply success 0"
has "Apply complete"
serial=$(ghstate pull | sed -n 's/^  "serial": \([0-9]*\),$/\1/p')
merge 10
$CI merged github "$STORE" "$MERGED" 10 "$HEADSHA"
gh push "$MERGED" refs/heads/main
has "is stale"
has "moved since the plan was made"
has "service.web-api\[us-east-1\]"
has "is no longer what it shows; nothing was changed"
has "result apply failure 1"
has "result apply-moved waiting (environment scaleplan-apply"
same "$(ghstate pull | sed -n 's/^  "serial": \([0-9]*\),$/\1/p')" "$serial" "the state's serial after the refused apply"
# the reviewer approves the environment: the waiting job runs
gh push "$MERGED" refs/heads/main --approve scaleplan-apply
has "result apply failure 1"
has "result apply-moved success 0"
has "Apply complete"
mkdir -p "$ROOT/gh-check" && git -C "$ROOT/gh-check" init -q && git -C "$ROOT/gh-check" pull -q "$GHO" main
cd "$ROOT/gh-check" || exit 1
SCALEPLAN_ETCD_USERNAME=root SCALEPLAN_ETCD_PASSWORD=$ETCD_PW "$BIN" plan --detailed-exitcode >"$ROOT/out" 2>&1
same $? 0 "plan of main after the approved apply (exit status)"
has "No changes"
cd "$GHO" || exit 1

# ---- GitLab CI: the Terraform HTTP state of the project -----------------------------------------------------
CASE=gitlab-file
"$Y2J" "$SRC/examples/ci/gitlab-ci.yml" >"$ROOT/gl.json" && ok || bad "yaml2json refuses the file"
python3 - "$ROOT/gl.json" <<'PY' >"$ROOT/out" && ok || bad "the file lacks a required setting"
import json, sys
w = json.load(open(sys.argv[1]))
assert w["variables"]["GIT_DEPTH"] == 0, "GIT_DEPTH: 0"
assert w["apply"]["resource_group"] == w["apply-moved"]["resource_group"], "one apply at a time"
assert w["apply-moved"]["rules"][0]["when"] == "manual", "the approval job is manual"
assert w["variables"]["TF_HTTP_PASSWORD"] == "$CI_JOB_TOKEN", "the job token for the state"
PY
GLO=$ROOT/gl-origin
origin "$GLO" "state:" "  backend: http" \
    "  address: \${CI_API_V4_URL}/projects/\${CI_PROJECT_ID}/terraform/state/acme-shop" \
    "  lock_address: \${CI_API_V4_URL}/projects/\${CI_PROJECT_ID}/terraform/state/acme-shop/lock" \
    "  unlock_address: \${CI_API_V4_URL}/projects/\${CI_PROJECT_ID}/terraform/state/acme-shop/lock" \
    "  lock_method: POST" "  unlock_method: DELETE"
# gl SOURCE N|main [--play JOB]: a pipeline for merge request N (its head) or for main
gl() {
    src=$1 what=$2
    shift 2
    if [ "$src" = merge_request_event ]; then
        git update-ref "refs/merge-requests/$what/head" "pr-$what"
        ci env CI_MERGE_REQUEST_IID="$what" CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main CI_COMMIT_REF_NAME="pr-$what" \
            CI_COMMIT_REF_FETCH="refs/merge-requests/$what/head" CI_COMMIT_SHA="$(sha_of "pr-$what")" \
            CI_DEFAULT_BRANCH=main CI_PROJECT_ID=42 CI_PROJECT_PATH=acme/shop CI_API_V4_URL="$API/api/v4" \
            CI_JOB_TOKEN="$JOB_TOK" GITLAB_TOKEN="$GL_TOK" SCALEPLAN_GIT_URL=https://gitlab.example.com/tools/scaleplan.git \
            $CI gitlab "$ROOT/gl.json" --source "$src" --store "$STORE" --origin "$GLO" --tool-src "$SRC" "$@"
    else
        ci env CI_COMMIT_BRANCH=main CI_COMMIT_REF_NAME=main CI_COMMIT_REF_FETCH=refs/heads/main \
            CI_COMMIT_SHA="$(sha_of main)" \
            CI_DEFAULT_BRANCH=main CI_PROJECT_ID=42 CI_PROJECT_PATH=acme/shop CI_API_V4_URL="$API/api/v4" \
            CI_JOB_TOKEN="$JOB_TOK" GITLAB_TOKEN="$GL_TOK" SCALEPLAN_GIT_URL=https://gitlab.example.com/tools/scaleplan.git \
            $CI gitlab "$ROOT/gl.json" --source "$src" --store "$STORE" --origin "$GLO" --tool-src "$SRC" "$@"
    fi
}
# the resources in GitLab's state of the project
glres() {
    # (the stand-in's control answer gives only each state's size: read the state as a client does)
    curl -sS --globoff -u "gitlab-ci-token:$JOB_TOK" "$TFSTATE/api/v4/projects/42/terraform/state/acme-shop" |
        python3 -c '
import json, sys
t = sys.stdin.read()
d = json.loads(t) if t.strip() else {"message": "404 Not Found"}
print(0 if d.get("message") == "404 Not Found" else len(d["resources"]))'
}

CASE=gitlab-mr-first-pipeline
pr 7 's/start: 150000/start: 180000/'
gl merge_request_event 7
G1=$(last_id)
has "result plan success 0"
hasnt "result reviewed-plan"
has "\$ scaleplan comment gitlab --plan plan.json"
has "Posted the comment for 'acme-shop' on merge request !7"
same "$(st 'len(s["gitlab:7"])')" 1 "notes on !7"
same "$(st '"11 to create" in s["gitlab:7"][0]["body"]')" True "the plan in the note"
same "$(st 's["gitlab:7"][0]["body"].split("\n", 1)[1].lstrip().split("\n")[0][:19]')" '### scaleplan diff:' "the note's first section"
grep -q "scaleplan diff" "$STORE/pipelines/$G1/artifacts/plan/diff.md" && ok || bad "no diff.md artifact"
N1=$(st 's["gitlab:7"][0]["id"]')
same "$(glres)" 0 "resources in the state after a merge request pipeline"

CASE=gitlab-mr-second-pipeline
pr 7 's/monthly_growth: 0.09/monthly_growth: 0.1/'
gl merge_request_event 7
G2=$(last_id)
has "result plan success 0"
has "Updated the comment for 'acme-shop' on merge request !7"
same "$(st 'len(s["gitlab:7"])')" 1 "notes on !7 after the second pipeline"
same "$(st 's["gitlab:7"][0]["id"]')" "$N1" "the note's id"

CASE=gitlab-mr-over-budget
pr 8 's/budgets: {monthly_max: 250000}/budgets: {monthly_max: 2000}/'
gl merge_request_event 8
has "result plan failed 4"
has "ERROR: Job failed: exit code 4"
grep -q "budget" "$STORE/pipelines/$(last_id)/artifacts/plan/diff.md" && ok || bad "diff.md (when: always) does not name the gate"
same "$(st 'len(s.get("gitlab:8", []))')" 0 "notes on !8"

CASE=gitlab-merge-applies-the-reviewed-plan
merge 7
$CI merged gitlab "$STORE" "$MERGED" 7 "$HEADSHA"
gl push main
has "The reviewed plan: !7, pipeline $G2"
has "result reviewed-plan success 0"
has "downloaded the artifacts of reviewed-plan"
has "Apply complete: 11 created"
has "result apply success 0"
has "result apply-moved manual"
same "$(glres)" 11 "resources in GitLab's state"
grep -q "gitlab-ci-token" "$ROOT/tfstate.log" && ok || bad "the state was not written with the job token's user"

CASE=gitlab-stale-plan
pr 9 's/requests_per_unit_per_day: 40/requests_per_unit_per_day: 44/'
pr 10 's/scaling: {target_utilization: 0.5, min: 3, max: 400}/scaling: {target_utilization: 0.45, min: 3, max: 400}/'
gl merge_request_event 9
has "result plan success 0"
gl merge_request_event 10
has "result plan success 0"
merge 9
$CI merged gitlab "$STORE" "$MERGED" 9 "$HEADSHA"
gl push main
has "result apply success 0"
merge 10
$CI merged gitlab "$STORE" "$MERGED" 10 "$HEADSHA"
gl push main
has "moved since the plan was made"
has "is no longer what it shows; nothing was changed"
has "result apply failed 1"
has "result apply-moved manual"
has "pipeline $(last_id) failed"
# a person plays the manual job
gl push main --play apply-moved
has "result apply-moved success 0"
has "Apply complete"
mkdir -p "$ROOT/gl-check" && git -C "$ROOT/gl-check" init -q && git -C "$ROOT/gl-check" pull -q "$GLO" main
cd "$ROOT/gl-check" || exit 1
CI_API_V4_URL=$API/api/v4 CI_PROJECT_ID=42 TF_HTTP_USERNAME=gitlab-ci-token TF_HTTP_PASSWORD=$JOB_TOK \
    "$BIN" plan --detailed-exitcode >"$ROOT/out" 2>&1
same $? 0 "plan of main after the played job (exit status)"
has "No changes"
cd "$ROOT" || exit 1

# ---- no secret anywhere: outputs, summaries, artifacts, comments, server logs ------------------------------
CASE=secrets
st 's' >"$ROOT/comments.txt"
for s in "$GH_TOK" "$GL_TOK" "$JOB_TOK" "$ETCD_PW"; do
    found=$(grep -rlF --exclude-dir=etcd -- "$s" "$ROOT" 2>/dev/null)
    [ -z "$found" ] && ok || bad "a secret appears in: $found"
done

echo "e2e-ci: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
