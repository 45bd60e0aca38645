#!/bin/sh
# End-to-end tests of what a pull request changes: `scaleplan diff`, `plan
# --base` and the --fail-on gates, in real git repositories this script
# builds with git in its scratch folder (a pull request's branch, a spec
# folder renamed, a file added, a base with no spec, a shallow clone without
# the base commit, a detached HEAD, a dirty work tree):
#   usage: sh tests/e2e-git.sh BIN SRCDIR
# Every check prints "ok"/"FAIL" with a name; the script exits non-zero on any
# failure. The clock is pinned (SCALEPLAN_NOW) so plans are reproducible.
set -u
BIN=$1
SRC=$2
export NO_COLOR=1 SCALEPLAN_NOW=2027-01
unset SCALEPLAN_FAULT_AT SCALEPLAN_FAULT_KIND SCALEPLAN_LOCAL_LATENCY_MS GITHUB_BASE_REF \
    CI_MERGE_REQUEST_TARGET_BRANCH_NAME GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
pass=0
fail=0
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sp-e2e-git.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT INT TERM
# git and libgit2 read no configuration of the machine's user
export HOME="$ROOT/home" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.com \
    GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.com
mkdir -p "$HOME"
printf '[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n' >"$HOME/.gitconfig"

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL e2e-git/$CASE: $*"; [ -f "$ROOT/out" ] && sed 's/^/  | /' "$ROOT/out" | head -30; }
# run EXPECTED_EXIT ARGS...: runs scaleplan, stdout and stderr in $ROOT/out (stdout alone in $ROOT/stdout)
run() {
    want=$1; shift
    "$BIN" "$@" >"$ROOT/stdout" 2>"$ROOT/stderr"
    got=$?
    cat "$ROOT/stdout" "$ROOT/stderr" >"$ROOT/out"
    if [ "$got" = "$want" ]; then ok; else bad "scaleplan $* exited $got, expected $want"; fi
}
has() { if grep -q -- "$1" "$ROOT/out"; then ok; else bad "output lacks '$1'"; fi; }
hasnt() { if grep -q -- "$1" "$ROOT/out"; then bad "output has '$1'"; else ok; fi; }
same() { if [ "$1" = "$2" ]; then ok; else bad "$3: '$1' != '$2'"; fi; }
# a new repository in $ROOT/<case> with $2 (an example) as scaleplan.yaml on main
fresh() {
    CASE=$1
    W="$ROOT/$1"
    mkdir -p "$W" && cd "$W" || exit 1
    git init -q .
    if [ -n "${2:-}" ]; then cp "$SRC/examples/$2" scaleplan.yaml; fi
}
commit() { git add -A && git commit -q -m "$1"; }
# edit FILE SED-SCRIPT
edit() { sed -i "$2" "$1"; }

# ---- an unchanged spec shows zero -------------------------------------------
fresh unchanged saas-web.yaml
commit "the spec"
git checkout -q -b feature
echo "notes" >README && commit "no spec change"
run 0 diff
has "Spec diff from main ("
has "base: the merge base of HEAD and main (the default branch)"
has "Components: 11 unchanged"
has "No change to the model"
has "monthly, 2027-01 at p50: .* (\$0, +0.0%)"
run 0 diff --format json
has '"format_version": 1'
has '"changed": 0'
same "$(grep -c '"delta": 0' "$ROOT/stdout")" 1 "a zero delta of the monthly cost"
has '"components": \[\]'
has '"p50": 0,'
run 0 diff --format markdown
has "### scaleplan diff: no component changed (\\\\\$0/month; over the horizon \\\\\$0 at p50)"
# the same seed on both sides: any seed, still zero
run 0 diff --seed 99 --paths 50 --format json
has '"seed": 99'
has '"p90": 0'

# ---- a pull request that changes a key ----------------------------------------
fresh changed saas-web.yaml
commit "the spec"
git checkout -q -b feature
edit scaleplan.yaml 's/cpu_ms_per_request: 18, egress_kb_per_request: 8/cpu_ms_per_request: 30, egress_kb_per_request: 8/'
commit "web-api does more work"
run 0 diff
has "Components: 1 changed, 10 unchanged"
has "~ services.web-api: instances 6 -> 12 (2027-01); instances 255 -> 426 (2031-12); +\$120/month"
has "keys: work.cpu_ms_per_request"
has "horizon 2027-01..2031-12, p10:"
run 0 diff --format json
has '"services.web-api.work.cpu_ms_per_request"'
has '"change": "changed"'
run 0 diff --head HEAD --format json
has '"label": "HEAD"'
has '"services.web-api.work.cpu_ms_per_request"'
# from the pull request's branch, main is where it started, whatever main does next
git checkout -q main
echo "other" >OTHER && commit "main moves on"
git checkout -q feature
run 0 diff
has "Spec diff from [0-9a-f]\{7,\} to the work tree"
has "Components: 1 changed"
# --base REF is exactly that revision: main's tip, which lacks the change
run 0 diff --base main --format json
has '"how": "--base main"'
has '"label": "main"'
# the CI's target branch
GITHUB_BASE_REF=main run 0 diff
has "base: the merge base of HEAD and main (GITHUB_BASE_REF=main)"
CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main run 0 diff
has "(CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main)"
GITHUB_BASE_REF=release run 1 diff
has "GITHUB_BASE_REF=release: neither 'origin/release' nor 'release' is in this clone (fetch it: git fetch origin release)"
run 1 diff --base no-such-branch
has "cannot resolve 'no-such-branch' to a commit in this clone"

# ---- a detached HEAD ------------------------------------------------------------
git checkout -q --detach feature
run 0 diff
has "Components: 1 changed, 10 unchanged"
has "keys: work.cpu_ms_per_request"
git checkout -q feature

# ---- a dirty work tree ----------------------------------------------------------
edit scaleplan.yaml 's/max_backlog_age_s: 300/max_backlog_age_s: 120/'
run 0 diff
has "the work tree has uncommitted changes to the spec"
has "queues.emails"
has "keys: max_backlog_age_s"
run 0 diff --format json
has '"dirty": true'
# the committed head does not see it
run 0 diff --head HEAD
hasnt "queues.emails"
hasnt "uncommitted"
run 1 diff --head HEAD --worktree
has "give one"
git checkout -q -- scaleplan.yaml
run 0 diff --format json
has '"dirty": false'

# ---- the base's spec does not load: REF:PATH:LINE:COL ----------------------------
git checkout -q main
edit scaleplan.yaml '0,/    instance: m7i.large/s//    instanse: m7i.large/'
commit "a typo on main"
git checkout -q feature
run 1 diff --base main
has "scaleplan: main:scaleplan.yaml:34:5: error: unknown key 'instanse' in service 'web-api'; did you mean 'instance'?"
has "the spec on the base (main:scaleplan.yaml) does not load"
# the merge base is before the typo
run 0 diff

# ---- gates: tripping and not, with their exit codes ------------------------------
run 0 diff --fail-on cost-increase=50
has "cost-increase=50%: passed: +13.8% (the horizon's p50 total"
run 4 diff --fail-on cost-increase=10
has "cost-increase=10%: TRIPPED: +13.8%"
has "scaleplan: error: --fail-on cost-increase=10% tripped: +13.8%"
run 0 diff --fail-on budget
has "budget: passed: no budget newly breached"
edit scaleplan.yaml 's/monthly_max: 250000/monthly_max: 20000/'
run 4 diff --fail-on budget --format markdown
has "Gate \`--fail-on budget\` tripped:\*\* budgets.monthly\\\\_max \\\\\$20,000 newly breached: over at p50 in 8 months from 2030-11"
has "scaleplan: error: --fail-on budget tripped: budgets.monthly_max \$20,000 newly breached"
# -o FILE: the same bytes in the file, nothing on standard output; a file it cannot write is an error
cp "$ROOT/stdout" "$ROOT/diff-stdout.md"
run 4 diff --fail-on budget --format markdown -o "$ROOT/diff.md"
cmp -s "$ROOT/diff.md" "$ROOT/diff-stdout.md" && ok || bad "diff -o wrote other bytes than standard output"
[ -s "$ROOT/stdout" ] && bad "diff -o also wrote to standard output" || ok
has "scaleplan: error: --fail-on budget tripped"
run 0 diff --format json --out "$ROOT/diff.json"
grep -q "\"format_version\": 1," "$ROOT/diff.json" && ok || bad "diff --out wrote no JSON"
run 1 diff --format markdown -o "$ROOT/no-such-dir/diff.md"
has "no-such-dir/diff.md"
[ -e "$ROOT/no-such-dir" ] && bad "diff -o made a folder" || ok
run 1 diff -o ""
run 4 diff --fail-on budget,slo-risk --format json
has '"gate": "budget",'
has '"tripped": true'
has '"newly_breached": true'
run 4 diff --fail-on slo-risk
has "slo-risk: TRIPPED: SLO newly at risk: services.web-api from 2030-11"
run 1 diff --fail-on budgett
has "unknown gate 'budgett'"
# forecast and plan take them too
run 4 forecast --paths 200 --fail-on budget
has "budget: TRIPPED: budgets.monthly_max \$20,000: over at p50"
run 0 forecast --paths 200 --fail-on cost-increase=1000
run 4 plan --fail-on budget --detailed-exitcode -out p.json
has "a --fail-on gate tripped; the plan was not saved"
[ -f p.json ] && bad "a plan was saved although a gate tripped" || ok
git checkout -q -- scaleplan.yaml
# a gate that passes leaves --detailed-exitcode its 2
run 2 plan --fail-on budget --detailed-exitcode
has "budget: passed: every budget is kept"

# ---- plan --base: the change leads the plan, in every format ----------------------
run 0 plan --base main~1
has "Spec diff from main~1 ("
has "Plan for acme-shop at 2027-02"
run 0 plan --base main~1 --format markdown
head -1 "$ROOT/stdout" | grep -q "^### scaleplan diff: 1 changed, 10 unchanged" && ok || bad "the markdown does not lead with the diff"
has "### scaleplan plan: 11 to create"
run 0 plan --base main~1 --format json
has '"base": {'
has '"services.web-api.work.cpu_ms_per_request"'
run 0 plan --base main~1 -out with-base.json
run 0 apply --auto-approve with-base.json
has "Apply complete: 11 created"
run 4 plan --base main~1 --fail-on cost-increase=10
has "cost-increase=10%: TRIPPED: +13.8% (the horizon's p50 total"
run 1 plan --base no-such-ref
has "cannot resolve 'no-such-ref'"
run 1 apply --base main
has "option '--base' is for plan, not apply"

# ---- a spec folder, a file added in the pull request ------------------------------
fresh folder
mkdir specs && cp "$SRC"/examples/split/*.yaml specs/
commit "the spec as a folder"
git checkout -q -b feature
cat >specs/30-more.yaml <<'EOF'
# a service added by this pull request, in a file of its own
services:
  recommendations:
    class: web
    work: {cpu_ms_per_request: 20}
    instance: m7i.large
    scaling: {min: 2, max: 20}
EOF
run 0 diff specs
has "Components: 1 added, 11 unchanged"
has "+ services.recommendations (added): instances 2 (2027-01); instances [0-9]* (2031-12); +\$[0-9]*/month"
git add specs/30-more.yaml && commit "a file added"
run 0 diff --head HEAD specs
has "1 added"
# the base's files are named REF:PATH in its messages: a typo on main shows where
git checkout -q main
edit specs/20-data.yaml 's/engine: postgres/engine: postgress/'
commit "typo"
git checkout -q feature
run 1 diff --base main specs
has "main:specs/20-data.yaml:[0-9]*:[0-9]*: error: "

# ---- a spec folder renamed ------------------------------------------------------
git mv specs capacity
run 0 diff capacity
has "the spec moved: on the base it is at specs"
has "Components: 1 added, 11 unchanged"
commit "specs moved to capacity"
run 0 diff capacity --format json
has '"renamed_from": "specs"'
run 0 diff --head HEAD capacity
has "the spec moved: on the base it is at specs"
has "1 added, 11 unchanged"

# ---- a base with no spec: everything is added ------------------------------------
fresh nospec
echo "docs" >README && commit "no spec yet"
git checkout -q -b feature
cp "$SRC/examples/saas-web.yaml" scaleplan.yaml
run 0 diff
has "the base has no spec at scaleplan.yaml: everything is added"
has "Components: 11 added"
run 0 diff --format json
has '"found": false'
has '"added": 11'
commit "the first spec"
# from nothing, any cost is above any percentage
run 4 diff --fail-on cost-increase=10000
has "cost-increase=10000%: TRIPPED: an increase from nothing (the horizon's p50 total \$0 -> \$631,447)"
# neither side has one
run 1 diff missing.yaml
has "no spec at 'missing.yaml', neither on main"
# not in a repository
mkdir -p "$ROOT/plain" && cp "$SRC/examples/saas-web.yaml" "$ROOT/plain/scaleplan.yaml"
cd "$ROOT/plain"
GIT_CEILING_DIRECTORIES=$ROOT run 1 diff
has "scaleplan: error: scaleplan.yaml: not in a git repository"

# ---- a shallow clone without the base commit ------------------------------------
fresh origin saas-web.yaml
commit "the spec"
git checkout -q -b feature
edit scaleplan.yaml 's/cpu_ms_per_request: 18,/cpu_ms_per_request: 30,/'
commit "the change"
git checkout -q main
echo "more" >OTHER && commit "main moves on"
BASE=$(git rev-parse main~1)
CASE=shallow
git clone -q --depth 1 --branch feature "file://$ROOT/origin" "$ROOT/shallow" 2>/dev/null
cd "$ROOT/shallow" || exit 1
[ -f .git/shallow ] && ok || bad "the clone is not shallow"
run 1 diff --base "$BASE"
has "the base commit $BASE is not in this clone (shallow?): run git fetch --unshallow or git fetch origin $BASE"
run 1 diff --base HEAD --head "$BASE"
has "the commit $BASE is not in this clone (shallow?)"
GITHUB_BASE_REF=main run 1 diff
has "neither 'origin/main' nor 'main' is in this clone (fetch it: git fetch origin main)"
git fetch -q --depth 1 origin main:refs/remotes/origin/main 2>/dev/null
GITHUB_BASE_REF=main run 1 diff
has "the merge base of HEAD and 'origin/main' is not in this clone (shallow?): run git fetch --unshallow or git fetch origin main"
git fetch -q --unshallow origin 2>/dev/null
GITHUB_BASE_REF=main run 0 diff
has "keys: work.cpu_ms_per_request"
run 0 diff --base "$BASE"
has "Components: 1 changed, 10 unchanged"

# ---- secrets stay out of every output ------------------------------------------
fresh secrets saas-web.yaml
edit scaleplan.yaml 's|^state: {backend: local}|state: {backend: http, address: "https://state.example.com/acme", username: ci, password: base-Secr3t-pw}|'
commit "remote state"
git checkout -q -b feature
edit scaleplan.yaml 's|base-Secr3t-pw|head-Secr3t-pw|'
: >"$ROOT/all"
for fmt in text markdown json; do
    run 0 diff --format $fmt
    cat "$ROOT/out" >>"$ROOT/all"
done
has "state.password"
if grep -q "Secr3t" "$ROOT/all"; then bad "a password is in the output"; else ok; fi

echo "e2e-git: $pass passed, $fail failed"
[ $fail = 0 ]
