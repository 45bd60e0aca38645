# Shared by the tests that start servers on loopback (sourced, POSIX sh).
#   sp_free_port                 prints a TCP port free on 127.0.0.1 now
#   sp_wait_http URL [SECONDS]   waits until URL answers any HTTP status (default 20 s)
#   sp_stop PID...               stops each process (TERM, then KILL after 5 s) and reaps it
# A test starts each server in a scratch folder, records its PID, and stops it
# in a trap on every exit path.

sp_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

sp_wait_http() {
    python3 - "$1" "${2:-20}" <<'PY'
import sys, time, urllib.request, urllib.error
url, limit = sys.argv[1], float(sys.argv[2])
end = time.time() + limit
while time.time() < end:
    try:
        urllib.request.urlopen(url, timeout=1)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.stderr.write("server at %s did not answer within %s s\n" % (url, sys.argv[2]))
sys.exit(1)
PY
}

sp_stop() {
    for pid in "$@"; do
        [ -n "$pid" ] || continue
        kill -TERM "$pid" 2>/dev/null || continue
        n=0
        while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do
            sleep 0.1
            n=$((n + 1))
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    return 0
}
