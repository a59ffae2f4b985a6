#!/usr/bin/env bash
# Serve one class from N app processes behind HAProxy, with session affinity by cookie (issue 25).
#
#     scripts/serve_class.sh [N]          # N processes (default 2); the class opens http://THIS-MACHINE:8501
#
# Environment: VAE_PROXY_BIND (default 0.0.0.0:8501: where students connect), VAE_APP_PORT (default 8601:
# the first process's port, on 127.0.0.1 only), VAE_RUNS_DIR (the run folder all processes share),
# VAE_SERVE_DIR (default: a new temporary folder: the generated haproxy.cfg, one log and pid file per
# process, app.pids with all of them), VAE_CLASS_DIR (default: VAE_SERVE_DIR/classes: the classes of
# "follow the teacher", one file each, which every process reads, so a student follows a teacher whose
# session is on another process; ui/teaching/class_store.py). An app process that exits is started
# again (its students' sessions are lost, their runs and classes are not: README "Serving a class").
# Runs in the foreground; Ctrl-C or SIGTERM stops HAProxy and every process it started.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-2}"
[[ "$N" =~ ^[1-9][0-9]?$ ]] || { echo "usage: $0 [N processes, 1-99]" >&2; exit 2; }
command -v haproxy >/dev/null || { echo "haproxy is missing: apt-get install -y haproxy" >&2; exit 1; }
export VAE_PROXY_BIND="${VAE_PROXY_BIND:-0.0.0.0:8501}"
BASE_PORT="${VAE_APP_PORT:-8601}"
DIR="${VAE_SERVE_DIR:-$(mktemp -d -t vae-class.XXXXXX)}"
mkdir -p "$DIR"
rm -f "$DIR/stopping" "$DIR"/app*.pid "$DIR/haproxy.pid"
export VAE_CLASS_DIR="${VAE_CLASS_DIR:-$DIR/classes}"
mkdir -p -m 700 "$VAE_CLASS_DIR"  # private: the class store refuses a folder other users may write to
PYTHON="${PYTHON:-python}"

run_app() {  # i port: one app process, started again whenever it exits
    local i=$1 port=$2
    while [[ ! -f "$DIR/stopping" ]]; do
        "$PYTHON" -m streamlit run app.py --server.headless true --server.address 127.0.0.1 --server.port "$port" \
            --browser.gatherUsageStats false --server.fileWatcherType none >> "$DIR/app$i.log" 2>&1 &
        echo "$!" > "$DIR/app$i.pid"
        wait "$!" || true
        [[ -f "$DIR/stopping" ]] || { echo "$(date -u +%FT%TZ) app$i exited; starting it again" >> "$DIR/restarts.log"; sleep 2; }
    done
}

loops=()
stop() {
    trap - EXIT INT TERM
    touch "$DIR/stopping"
    for f in "$DIR"/app*.pid "$DIR/haproxy.pid"; do [[ -f "$f" ]] && kill "$(cat "$f")" 2>/dev/null || true; done
    wait "${loops[@]}" 2>/dev/null || true
}
trap stop EXIT INT TERM

cp deploy/haproxy.cfg "$DIR/haproxy.cfg"
for i in $(seq 1 "$N"); do
    port=$((BASE_PORT + i - 1))
    run_app "$i" "$port" &
    loops+=($!)
    echo "    server app$i 127.0.0.1:$port cookie app$i" >> "$DIR/haproxy.cfg"
done

# Wait until every process answers its health check (the first start imports torch: slow on a busy machine).
for i in $(seq 1 "$N"); do
    port=$((BASE_PORT + i - 1))
    for _ in $(seq 1 360); do
        [[ "$(curl -fs "http://127.0.0.1:$port/_stcore/health" 2>/dev/null)" == ok ]] && break
        sleep 0.5
    done
done
for i in $(seq 1 "$N"); do cat "$DIR/app$i.pid"; done > "$DIR/app.pids"

haproxy -c -q -f "$DIR/haproxy.cfg"
haproxy -db -f "$DIR/haproxy.cfg" >> "$DIR/haproxy.log" 2>&1 &
echo "$!" > "$DIR/haproxy.pid"
echo "serving $N processes at http://$VAE_PROXY_BIND (files in $DIR, classes in $VAE_CLASS_DIR)"
wait "$(cat "$DIR/haproxy.pid")"   # HAProxy stopped: stop the rest
