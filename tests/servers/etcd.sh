#!/bin/sh
# Starts or stops a loopback etcd cluster for the tests (Debian's etcd-server).
#   etcd.sh start DIR [MEMBERS]   MEMBERS (default 1) members on free ports, data in DIR;
#                                 writes DIR/endpoints (comma-separated client URLs, one
#                                 per line in DIR/endpoint.N) and DIR/pid.N; waits until
#                                 every member answers
#   etcd.sh stop DIR              stops every member it started in DIR
#   etcd.sh kill DIR N            kill -9 of member N (1-based)
set -u
. "$(dirname "$0")/lib.sh"
cmd=$1
dir=$2
case $cmd in
start)
    n=${3:-1}
    mkdir -p "$dir"
    cluster=""
    i=1
    while [ $i -le "$n" ]; do
        cp=$(sp_free_port)
        pp=$(sp_free_port)
        while [ "$pp" = "$cp" ]; do pp=$(sp_free_port); done
        echo "$cp" >"$dir/client.$i"
        echo "$pp" >"$dir/peer.$i"
        cluster="${cluster:+$cluster,}m$i=http://127.0.0.1:$pp"
        i=$((i + 1))
    done
    eps=""
    i=1
    while [ $i -le "$n" ]; do
        cp=$(cat "$dir/client.$i")
        pp=$(cat "$dir/peer.$i")
        ETCD_UNSUPPORTED_ARCH= etcd --name "m$i" --data-dir "$dir/m$i" \
            --listen-client-urls "http://127.0.0.1:$cp" --advertise-client-urls "http://127.0.0.1:$cp" \
            --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
            --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "sp-test-$$" \
            --heartbeat-interval 50 --election-timeout 500 \
            >"$dir/m$i.log" 2>&1 &
        echo $! >"$dir/pid.$i"
        echo "http://127.0.0.1:$cp" >"$dir/endpoint.$i"
        eps="${eps:+$eps,}http://127.0.0.1:$cp"
        i=$((i + 1))
    done
    echo "$eps" >"$dir/endpoints"
    i=1
    while [ $i -le "$n" ]; do
        if ! sp_wait_http "$(cat "$dir/endpoint.$i")/health" 30; then
            echo "etcd member $i did not start; its log:" >&2
            tail -20 "$dir/m$i.log" >&2
            exit 1
        fi
        i=$((i + 1))
    done
    # a cluster has a leader before the test writes
    python3 - "$(cat "$dir/endpoint.1")" <<'PY' || exit 1
import sys, time, json, urllib.request
end = time.time() + 30
while time.time() < end:
    try:
        with urllib.request.urlopen(sys.argv[1] + "/health", timeout=1) as r:
            if json.load(r).get("health") == "true":
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.1)
sys.stderr.write("etcd has no healthy leader after 30 s\n")
sys.exit(1)
PY
    ;;
stop)
    for f in "$dir"/pid.*; do
        [ -f "$f" ] || continue
        sp_stop "$(cat "$f")"
        rm -f "$f"
    done
    ;;
kill)
    kill -KILL "$(cat "$dir/pid.$3")" 2>/dev/null
    ;;
*)
    echo "usage: etcd.sh start DIR [MEMBERS] | stop DIR | kill DIR N" >&2
    exit 2
    ;;
esac
