#!/bin/sh
# scaleplan benchmarks: generated specs, wall time and peak memory.
#
#   sh bench/run.sh BIN BENCHDIR        (make bench runs it)
#
# BIN is the scaleplan binary; BENCHDIR holds the gen, measure and yamlparse
# binaries and receives results.csv. Prints a table on stdout and writes the same
# numbers to BENCHDIR/results.csv (first column: schema = scaleplan-bench-v1).
# Exits 1 when a measured command failed (its row says so), 2 on bad usage.
#
# Knobs (environment):
#   SP_BENCH_SIZES   service counts            (default "1000 10000")
#   SP_BENCH_SPLIT   files for the split case  (default 20; 0 = no split case)
#   SP_BENCH_SPLIT_MIN  smallest N also run split (default 10000)
#   SP_BENCH_REPEAT  runs per measurement      (default 3; the median is reported)
#   SP_BENCH_SEED    generator seed            (default 1)
#   SP_BENCH_ONLY    benchmarks to run         (default: all in BENCHES below)
#   SP_BENCH_FC_N, SP_BENCH_FC_PATHS   forecast size (default 1000 services, 1000 paths)
#   SP_BENCH_PLAN_N  services for plan/apply   (default 10000; also the etcd benchmark's)
#   SP_BENCH_APPLY_SIZES  service counts of the apply benchmark (default "1000 10000")
#
# Adding a benchmark: write a function bench_NAME that calls `section` once and
# `row` per measurement (see bench_validate), then add NAME to BENCHES.
set -eu

BENCHES="validate forecast plan apply etcd"

die() {
    echo "bench: error: $*" >&2
    exit 2
}

[ $# -eq 2 ] || { echo "usage: sh bench/run.sh BIN BENCHDIR" >&2; exit 2; }
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
BIN=$(abs "$1")
BENCHDIR=$(abs "$2")
GEN=$BENCHDIR/gen
MEASURE=$BENCHDIR/measure
YAMLPARSE=$BENCHDIR/yamlparse
CSV=$BENCHDIR/results.csv
SCHEMA=scaleplan-bench-v1

SIZES=${SP_BENCH_SIZES:-1000 10000}
SPLIT=${SP_BENCH_SPLIT:-20}
SPLIT_MIN=${SP_BENCH_SPLIT_MIN:-10000}
REPEAT=${SP_BENCH_REPEAT:-3}
SEED=${SP_BENCH_SEED:-1}
ONLY=${SP_BENCH_ONLY:-$BENCHES}

for b in $ONLY; do
    case " $BENCHES " in *" $b "*) ;; *) die "unknown benchmark '$b' (known: $BENCHES)" ;; esac
done
for x in "$BIN" "$GEN" "$MEASURE" "$YAMLPARSE"; do
    [ -x "$x" ] || die "'$x' is missing or not executable (run: make bench)"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/scaleplan-bench.XXXXXX")
# the etcd benchmark's member, stopped by its PID on every exit path
SRC=$(cd "$(dirname "$0")/.." && pwd)
ETCD_DIR=""
cleanup() {
    [ -n "$ETCD_DIR" ] && sh "$SRC/tests/servers/etcd.sh" stop "$ETCD_DIR"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
failures=0

# ---- helpers ---------------------------------------------------------------

# spec N SPLIT: path of a generated spec with N services, a single file when
# SPLIT is 0, else a folder of SPLIT files; generated once per run.
spec() {
    if [ "$2" -eq 0 ]; then
        _p=$TMP/spec-$1.yaml
        [ -e "$_p" ] || "$GEN" -n "$1" -s "$SEED" -o "$_p"
    else
        _p=$TMP/spec-$1-split$2
        [ -e "$_p" ] || "$GEN" -n "$1" -s "$SEED" --split "$2" -o "$_p"
    fi
    echo "$_p"
}

# specfiles PATH: the spec files (a folder's *.yaml and *.yml), one a line.
specfiles() {
    if [ -d "$1" ]; then
        for _f in "$1"/*.yaml "$1"/*.yml; do [ -f "$_f" ] && echo "$_f"; done
    else
        echo "$1"
    fi
    return 0
}
# nfiles PATH / nbytes PATH: how many spec files, and their total size.
nfiles() { specfiles "$1" | wc -l | tr -d ' '; }
nbytes() { specfiles "$1" | while IFS= read -r _f; do cat "$_f"; done | wc -c | tr -d ' '; }

# measure CMD ARGS...: runs CMD REPEAT times (in TMP, output discarded) and sets
# m_min, m_median, m_rss, m_cpu (ms, ms, KiB, ms of user + system time; "-"
# when unknown) and m_exit.
measure() {
    m_line=$(cd "$TMP" && "$MEASURE" -r "$REPEAT" -- "$@") && m_exit=0 || m_exit=$?
    m_min=$(field wall_ms_min)
    m_median=$(field wall_ms_median)
    m_rss=$(field peak_rss_kb)
    m_cpu=$(field cpu_ms_median)
}
field() {
    _v=$(printf '%s\n' "$m_line" | tr ' ' '\n' | sed -n "s/^$1=//p")
    echo "${_v:--}"
}

# ratio A B: A/B with 2 decimals, "-" when either is unknown.
ratio() {
    case "$1$2" in *-*) echo - ; return ;; esac
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "-" }'
}

TABLE_FMT="%-9s %7s %5s %10s %10s %10s %10s %10s %6s  %s\n"

# section TITLE: a heading in the table.
section() {
    printf '\n== %s\n' "$1"
    # shellcheck disable=SC2059
    printf "$TABLE_FMT" bench N files bytes ms_median ms_min rss_kb base_ms ratio status
}

# row BENCH N FILES BYTES MIN MEDIAN RSS_KB BASE_MEDIAN EXIT: one measurement,
# to the table and to the CSV. BASE_MEDIAN is the baseline's median ("-" for
# none); ratio = MEDIAN / BASE_MEDIAN.
row() {
    _ratio=$(ratio "$6" "$8")
    if [ "$9" -eq 0 ]; then
        _status=ok
    else
        _status="FAILED (exit $9)"
        _ratio=-
        failures=$((failures + 1))
    fi
    # shellcheck disable=SC2059
    printf "$TABLE_FMT" "$1" "$2" "$3" "$4" "$6" "$5" "$7" "$8" "$_ratio" "$_status"
    echo "$SCHEMA,$1,$2,$3,$4,$5,$6,$7,$8,$_ratio,$9" | sed 's/,-,/,,/g; s/,-,/,,/g; s/,-$/,/' >>"$CSV"
}

# ---- benchmarks --------------------------------------------------------------

# forecast: the capacity and cost model on a generated spec of
# SP_BENCH_FC_N services (default 1,000), 60 months, SP_BENCH_FC_PATHS Monte
# Carlo paths (default 1,000), on both cores; wall time, paths per second and
# peak memory. The CSV output is written to /dev/null.
bench_forecast() {
    _n=${SP_BENCH_FC_N:-1000}
    _paths=${SP_BENCH_FC_PATHS:-1000}
    section "forecast: scaleplan forecast --paths $_paths, 60 months, 2 threads; median of $REPEAT"
    _spec=$(spec "$_n" 0)
    measure "$BIN" forecast --paths "$_paths" --format csv -o /dev/null "$_spec"
    row forecast "$_n" "$(nfiles "$_spec")" "$(nbytes "$_spec")" "$m_min" "$m_median" "$m_rss" - "$m_exit"
    if [ "$m_exit" -eq 0 ]; then
        awk -v p="$_paths" -v ms="$m_median" -v n="$_n" 'BEGIN {
            printf "forecast: %.0f paths/s; %.1f M service-months sized per second\n", p / (ms / 1000), n * 60 * p / (ms / 1000) / 1e6 }'
    fi
}


# plan and apply: a generated spec of SP_BENCH_PLAN_N services (default
# 10,000) with the local provider and the local state, beside the time libyaml
# alone takes to parse the same bytes (the ratio column):
#   plan-new    plan against an empty state (every resource to create), in a
#               folder without .scaleplan/: the whole forecast, no cache
#   plan-warm   the same with the forecast cache warm (.scaleplan/cache/ holds
#               this spec's totals from a first plan run just before)
#   apply-new   the first apply: every resource created, each recorded in the
#               state journal as it completes (run once: it changes the state)
#   plan-same   plan against matching state (refresh reads every resource file)
#   apply-same  apply with nothing to do
bench_plan() {
    _n=${SP_BENCH_PLAN_N:-10000}
    section "plan/apply: local provider and state, $_n services, SCALEPLAN_NOW=2027-01; median of $REPEAT"
    _spec=$(spec "$_n" 0)
    _files=$(nfiles "$_spec")
    _bytes=$(nbytes "$_spec")
    measure "$YAMLPARSE" "$_spec"
    _base=$m_median
    rm -rf "$TMP/.scaleplan"
    export SCALEPLAN_NOW=2027-01
    measure "$BIN" plan "$_spec"
    row plan-new "$_n" "$_files" "$_bytes" "$m_min" "$m_median" "$m_rss" "$_base" "$m_exit"
    mkdir "$TMP/.scaleplan"
    (cd "$TMP" && "$BIN" plan "$_spec" >/dev/null 2>&1) || true
    measure "$BIN" plan "$_spec"
    row plan-warm "$_n" "$_files" "$_bytes" "$m_min" "$m_median" "$m_rss" "$_base" "$m_exit"
    rm -rf "$TMP/.scaleplan"
    _r=$REPEAT
    REPEAT=1
    measure "$BIN" apply --auto-approve "$_spec"
    REPEAT=$_r
    row apply-new "$_n" "$_files" "$_bytes" "$m_min" "$m_median" "$m_rss" "$_base" "$m_exit"
    measure "$BIN" plan --detailed-exitcode "$_spec"
    row plan-same "$_n" "$_files" "$_bytes" "$m_min" "$m_median" "$m_rss" "$_base" "$m_exit"
    measure "$BIN" apply --auto-approve "$_spec"
    row apply-same "$_n" "$_files" "$_bytes" "$m_min" "$m_median" "$m_rss" "$_base" "$m_exit"
    rm -rf "$TMP/.scaleplan"
    unset SCALEPLAN_NOW
}

# apply: the first apply and an apply with nothing to do, for each of
# SP_BENCH_APPLY_SIZES (default "1000 10000") services, local provider and
# state. base_ms is plan's median on the same state, so the ratio is apply
# over plan:
#   apply-new   the first apply (run once): every resource created, each
#               durable and recorded in the journal before it is reported
#   apply-same  apply with nothing to do, against plan with matching state
# A line per size gives the CPU time (user + system, medians) of the four.
bench_apply() {
    section "apply: local provider and state, SCALEPLAN_NOW=2027-01; base_ms = plan on the same state; median of $REPEAT"
    export SCALEPLAN_NOW=2027-01
    for _n in ${SP_BENCH_APPLY_SIZES:-1000 10000}; do
        _spec=$(spec "$_n" 0)
        _files=$(nfiles "$_spec")
        _bytes=$(nbytes "$_spec")
        rm -rf "$TMP/.scaleplan"
        measure "$BIN" plan "$_spec"
        _pnew=$m_median
        _pnew_cpu=$m_cpu
        _r=$REPEAT
        REPEAT=1
        measure "$BIN" apply --auto-approve "$_spec"
        REPEAT=$_r
        row apply-new "$_n" "$_files" "$_bytes" "$m_min" "$m_median" "$m_rss" "$_pnew" "$m_exit"
        _anew_cpu=$m_cpu
        measure "$BIN" plan --detailed-exitcode "$_spec"
        _psame=$m_median
        _psame_cpu=$m_cpu
        measure "$BIN" apply --auto-approve "$_spec"
        row apply-same "$_n" "$_files" "$_bytes" "$m_min" "$m_median" "$m_rss" "$_psame" "$m_exit"
        echo "apply: N=$_n cpu_ms_median: plan-new $_pnew_cpu, apply-new $_anew_cpu, plan-same $_psame_cpu, apply-same $m_cpu"
        rm -rf "$TMP/.scaleplan"
    done
    unset SCALEPLAN_NOW
}

# etcd: the plan/apply benchmark with the state in etcd (one member on
# loopback, started here, its data in the scratch folder), beside the local
# backend's rows above:
#   etcd-plan-new    plan against an empty state
#   etcd-apply-new   the first apply: each resource recorded as one etcd
#                    transaction as it completes (run once)
#   etcd-plan-same   plan against matching state (reads 11,905 keys in pages)
#   etcd-apply-same  apply with nothing to do (the lock, a read, no write)
#   etcd-push        state push --force of the same state into a fresh prefix
#                    (one write of several transactions; run once)
bench_etcd() {
    _n=${SP_BENCH_PLAN_N:-10000}
    command -v etcd >/dev/null 2>&1 || { echo "bench: etcd is not installed ('make deps' installs it)" >&2; failures=$((failures + 1)); return; }
    ETCD_DIR=$TMP/etcd
    sh "$SRC/tests/servers/etcd.sh" start "$ETCD_DIR" 1 || { echo "bench: etcd did not start" >&2; failures=$((failures + 1)); return; }
    _ep=$(cat "$ETCD_DIR/endpoints")
    _local=$(spec "$_n" 0)
    _spec=$TMP/spec-$_n-etcd.yaml
    sed "s|^state: {backend: local}|state: {backend: etcd, endpoints: [$_ep], prefix: bench/s$_n}|" "$_local" >"$_spec"
    _files=1
    _bytes=$(nbytes "$_spec")
    _fmt=$TABLE_FMT
    TABLE_FMT="%-15s %7s %5s %10s %10s %10s %10s %10s %6s  %s\n"
    section "plan/apply: local provider, state in etcd (1 member, loopback), $_n services; median of $REPEAT"
    measure "$YAMLPARSE" "$_spec"
    _base=$m_median
    rm -rf "$TMP/.scaleplan"
    export SCALEPLAN_NOW=2027-01
    measure "$BIN" plan "$_spec"
    row etcd-plan-new "$_n" "$_files" "$_bytes" "$m_min" "$m_median" "$m_rss" "$_base" "$m_exit"
    _r=$REPEAT
    REPEAT=1
    measure "$BIN" apply --auto-approve "$_spec"
    row etcd-apply-new "$_n" "$_files" "$_bytes" "$m_min" "$m_median" "$m_rss" "$_base" "$m_exit"
    REPEAT=$_r
    measure "$BIN" plan --detailed-exitcode "$_spec"
    row etcd-plan-same "$_n" "$_files" "$_bytes" "$m_min" "$m_median" "$m_rss" "$_base" "$m_exit"
    measure "$BIN" apply --auto-approve "$_spec"
    row etcd-apply-same "$_n" "$_files" "$_bytes" "$m_min" "$m_median" "$m_rss" "$_base" "$m_exit"
    (cd "$TMP" && "$BIN" state pull --spec "$_spec" >"$TMP/state-$_n.json")
    sed "s|prefix: bench/s$_n|prefix: bench/push$_n|" "$_spec" >"$TMP/spec-push.yaml"
    REPEAT=1
    measure "$BIN" state push --force --spec "$TMP/spec-push.yaml" "$TMP/state-$_n.json"
    row etcd-push "$_n" "$_files" "$(wc -c <"$TMP/state-$_n.json" | tr -d ' ')" "$m_min" "$m_median" "$m_rss" - "$m_exit"
    REPEAT=$_r
    TABLE_FMT=$_fmt
    rm -rf "$TMP/.scaleplan"
    unset SCALEPLAN_NOW
    sh "$SRC/tests/servers/etcd.sh" stop "$ETCD_DIR"
    ETCD_DIR=""
}

# validate: load, check and resolve the spec (scaleplan validate), against the
# time libyaml alone needs to parse the same bytes (yamlparse).
validate_case() {
    _spec=$(spec "$1" "$2")
    _files=$(nfiles "$_spec")
    _bytes=$(nbytes "$_spec")
    measure "$YAMLPARSE" "$_spec"
    _base=$m_median
    [ "$m_exit" -eq 0 ] || { echo "bench: yamlparse failed on $_spec (exit $m_exit)" >&2; _base=-; }
    measure "$BIN" validate "$_spec"
    row validate "$1" "$_files" "$_bytes" "$m_min" "$m_median" "$m_rss" "$_base" "$m_exit"
}

bench_validate() {
    section "validate: scaleplan validate (load + check) vs yamlparse (libyaml events only); median of $REPEAT"
    for n in $SIZES; do
        validate_case "$n" 0
        if [ "$SPLIT" -gt 0 ] && [ "$n" -ge "$SPLIT_MIN" ]; then
            validate_case "$n" "$SPLIT"
        fi
    done
}

# ---- main ------------------------------------------------------------------
mkdir -p "$BENCHDIR"
echo "schema,bench,n,files,bytes,wall_ms_min,wall_ms_median,peak_rss_kb,base_ms_median,ratio,exit" >"$CSV"

echo "scaleplan benchmarks: $("$BIN" --version 2>/dev/null | head -n 1 || true)"
echo "host: $(uname -srm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') cpus; seed $SEED"
for b in $ONLY; do
    "bench_$b"
done
echo
echo "results: $CSV"
if [ "$failures" -gt 0 ]; then
    echo "bench: $failures measurement(s) failed" >&2
    exit 1
fi
