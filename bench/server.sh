#!/usr/bin/env bash
# Benchmarks the dashboard server: a 10,000-target ping run (9,000 alive, 1,000 unreachable,
# 3 s timeout) in the lab with 20 WebSocket clients subscribed, every client counting every
# result; meanwhile wrk measures GET /api/runs/{id} latency; the server's peak RSS at the end.
# Prints the figures against the goals of issue 3. Usage: sudo bash bench/server.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source lab/lab.env
[[ $EUID -eq 0 ]] || { echo "bench: run as root (the lab needs it)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench: wrk missing (apt-get install wrk)" >&2; exit 2; }

cargo build --release --locked -q -p wirescope --bin wirescope --example ws_clients
WS="$PWD/target/release/wirescope"
CLIENTS="$PWD/target/release/examples/ws_clients"
started_lab=0
if ! bash lab/lab.sh status >/dev/null 2>&1; then bash lab/lab.sh up >/dev/null; started_lab=1; fi
TMP=$(mktemp -d)
SERVER=""
cleanup() {
    [[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null || true
    [[ -n "$KEEP_OUT" ]] && cp "$TMP"/*.out /tmp/ 2>/dev/null; rm -rf "$TMP"
    [[ $started_lab == 1 ]] && bash lab/lab.sh down >/dev/null 2>&1 || true
}
trap cleanup EXIT
KEEP_OUT=${KEEP_OUT:-}

"$WS" serve --listen 127.0.0.1:0 --db "$TMP/w.db" >"$TMP/serve.out" 2>&1 &
SERVER=$!
for _ in $(seq 50); do grep -q "open http" "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/serve.out" | head -1 | cut -d: -f3)
BASE="http://127.0.0.1:$PORT"

python3 - "$LAB_ANYIP_FIRST" "$LAB_DEAD_V4" >"$TMP/body.json" <<'PY'
import ipaddress, json, sys
alive = int(ipaddress.ip_address(sys.argv[1])) + 1
dead = int(ipaddress.ip_address(sys.argv[2]))
targets = [str(ipaddress.ip_address(alive + i)) for i in range(9000)] + [str(ipaddress.ip_address(dead + i)) for i in range(1000)]
print(json.dumps({"kind": "ping", "targets_text": "\n".join(targets), "options": {"timeout": "3s"}, "net": {"netns": "wsl-c"}}))
PY

curl -s -XPOST -H "Content-Type: application/json" "$BASE/api/runs" --data-binary @"$TMP/body.json" >"$TMP/created.json"
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TMP/created.json")
# Subscribed while the run is young: each client gets what is stored, then the live tail.
"$CLIENTS" "ws://127.0.0.1:$PORT/api/ws" "$ID" 20 >"$TMP/clients.out" 2>&1 &
CLIENTS_PID=$!
wrk -t1 -c2 -d3s --latency "$BASE/api/runs/$ID" >"$TMP/wrk.out" 2>&1 || true
wait "$CLIENTS_PID" && clients_ok=1 || clients_ok=0
RSS_KB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")

total=$(wc -l <"$TMP/clients.out")
complete=$(awk '$1 == 10000 && $2 == 0 && $3 == 0' "$TMP/clients.out" | wc -l)
p99=$(awk '/ 99%/ {print $2}' "$TMP/wrk.out")
p50=$(awk '/ 50%/ {print $2}' "$TMP/wrk.out")
reqs=$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk.out")
to_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us$/,"",v); printf "%.2f", v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v); printf "%.2f", v} else if (v ~ /s$/) {sub(/s$/,"",v); printf "%.2f", v*1000} else print v }'; }
status=$(curl -s "$BASE/api/runs/$ID" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["status"], r["done"], r["summary"]["alive"])')
echo "== dashboard server: 10,000-target ping run, 20 WebSocket clients"
echo "  run: $status (status, results, alive)"
echo "  WebSocket clients with all 10,000 results, no gaps, no duplicates: $complete/$total (all ok: $clients_ok)"
echo "  GET /api/runs/$ID during the run: p50 $(to_ms "$p50") ms, p99 $(to_ms "$p99") ms, $reqs req/s"
echo "  server peak RSS: $(awk -v k="$RSS_KB" 'BEGIN{printf "%.1f", k/1024}') MB"
check() { if awk -v v="$2" -v g="$4" -v op="$3" 'BEGIN{exit !((op=="<=")?(v<=g):(v>=g))}'; then echo "  [ok]   $1: $2 (goal $3 $4)"; else echo "  [MISS] $1: $2 (goal $3 $4)"; fi; }
check "clients complete" "$complete" ">=" 20
check "GET p99 ms" "$(to_ms "$p99")" "<=" 20
check "peak RSS MB" "$(awk -v k="$RSS_KB" 'BEGIN{printf "%.1f", k/1024}')" "<=" 150
