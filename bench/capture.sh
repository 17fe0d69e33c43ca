#!/usr/bin/env bash
# Live capture under a flood, in a namespace of its own (wsl-bench: a veth pair bench0 <-> bench1,
# 198.18.250.1 -> 198.18.250.2; nothing leaves it): a bounded flood of 64-byte UDP frames at
# $PPS (default 500,000 per second, $COUNT frames, default 5,000,000) out of bench0, captured on
# bench1 (1) by `wirescope capture` and (2) by `wirescope serve` through the API while a client
# polls the capture's state every second, as the dashboard does. Prints the rate reached, the
# kernel's drop counters and the server's peak RSS. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
NS=wsl-bench
PPS=${PPS:-500000}
COUNT=${COUNT:-5000000}
cargo build --release -q -p wirescope
cargo build --release -q -p wirescope-traffic --example flood
BIN=$PWD/target/release/wirescope
FLOOD=$PWD/target/release/examples/flood
TMP=$(mktemp -d)
SERVER=""
cleanup() {
    [[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null
    wait 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
ip netns del "$NS" 2>/dev/null || true
ip netns add "$NS"
ip -n "$NS" link add bench0 address 02:57:53:be:00:01 type veth peer name bench1 address 02:57:53:be:00:02
ip -n "$NS" link set lo up
ip -n "$NS" link set bench0 up
ip -n "$NS" link set bench1 up
ip -n "$NS" addr add 198.18.250.1/30 dev bench0
ip -n "$NS" addr add 198.18.250.2/30 dev bench1

echo "== 1. wirescope capture -i bench1 during a flood of $COUNT frames at $PPS pps"
ip netns exec "$NS" "$BIN" capture -i bench1 -f 'udp port 9' -c "$COUNT" --duration 60s --json >"$TMP/cli.json" &
CAP=$!
sleep 1
ip netns exec "$NS" "$FLOOD" bench0 "$COUNT" "$PPS" | tee "$TMP/flood1.txt"
wait "$CAP"
python3 - "$TMP/cli.json" "$COUNT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); want = int(sys.argv[2])
c = d["capture"][0]
print(f"   captured {d['packets']:,} of {want:,} frames; kernel: received {c['received']:,}, dropped {c['dropped']:,}, by the interface {c['if_dropped']:,}")
PY

echo "== 2. wirescope serve: a capture through the API, its state polled every second"
ip netns exec "$NS" "$BIN" serve --listen 127.0.0.1:0 --db "$TMP/w.db" >"$TMP/serve.out" 2>&1 &
SERVER=$!
for _ in $(seq 100); do grep -q "open http" "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/serve.out" | head -1)
ID=$(ip netns exec "$NS" curl -s -X POST "$URL/api/captures" -H 'content-type: application/json' \
    -d '{"interfaces": ["bench1"], "bpf": "udp port 9"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
( for _ in $(seq 60); do ip netns exec "$NS" curl -s "$URL/api/captures/$ID" >/dev/null; sleep 1; done ) &
POLL=$!
sleep 1
ip netns exec "$NS" "$FLOOD" bench0 "$COUNT" "$PPS" | tee "$TMP/flood2.txt"
sleep 1.5
kill "$POLL" 2>/dev/null || true
ip netns exec "$NS" curl -s "$URL/api/captures/$ID" >"$TMP/state.json"
HWM=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
python3 - "$TMP/state.json" "$COUNT" "$HWM" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); want = int(sys.argv[2]); hwm = int(sys.argv[3])
c = d["interfaces"][0]
ring = d["capture"]["ring_size"]; ring_mb = d["capture"]["ring_bytes"] / 2**20
print(f"   captured {d['frames']:,} of {want:,} frames; kept {d['kept']:,} (ring {ring:,} frames in {ring_mb:.0f} MiB); kernel: dropped {c['dropped']:,}, by the interface {c['if_dropped']:,}")
print(f"   server peak RSS {hwm / 1024:.1f} MB; goal: within the ring buffer's size plus 64 MB = {ring_mb * 1.048576 + 64:.0f} MB")
PY
