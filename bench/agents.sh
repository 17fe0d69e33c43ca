#!/usr/bin/env bash
# Benchmarks remote agents end to end: two `wirescope serve` on one database of the lab's
# PostgreSQL, four `wirescope agent` of one site (all in the lab's client namespace, dialling the
# first server), and 20 WebSocket clients (10 on each server) following one run of TARGETS
# addresses that the four agents share. Every client must see every result once, in order (0
# gaps, 0 duplicates). Latency: the moment each echo reply reached the agents' namespace
# (tcpdump's kernel timestamp) to the moment a client on the *other* server had the result, p50
# and p99 (issue 17's goal: p99 <= 200 ms), and the same for clients on the agents' own server.
# fping pinging the same addresses from the same namespace gives the probing time alone.
# Two runs: at 500 echoes/s per agent (2,000 results/s in all, 40,000 messages/s to the
# clients), then at 2,000/s per agent (8,000 and 160,000/s: everything, clients included, on
# this machine's cores at once).
# Usage: sudo bash bench/agents.sh [TARGETS] [RATES] [CLIENTS]   (default 10000, "500 2000",
# 10 clients per server; the lab must be up)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=${1:-10000}
RATES=${2:-500 2000}
CLIENTS=${3:-10}
[[ "$TARGETS" =~ ^[0-9]+$ && $TARGETS -ge 100 && $TARGETS -le 16000 ]] || { echo "bench: TARGETS is 100 to 16000" >&2; exit 2; }
for r in $RATES; do
    [[ "$r" =~ ^[0-9]+$ && $r -ge 100 && $r -le 20000 ]] || { echo "bench: a RATE is 100 to 20000" >&2; exit 2; }
done
[[ "$CLIENTS" =~ ^[0-9]+$ && $CLIENTS -ge 1 && $CLIENTS -le 50 ]] || { echo "bench: CLIENTS is 1 to 50" >&2; exit 2; }
# shellcheck source=../lab/lab.env
source lab/lab.env
[[ -S "$LAB_PG_SOCKET_DIR/.s.PGSQL.5432" ]] || { echo "bench: the lab's PostgreSQL is not up (sudo bash lab/lab.sh up)" >&2; exit 2; }
cargo build --release --locked -q -p wirescope --bin wirescope
WS="$PWD/target/release/wirescope"
TMP=$(mktemp -d)
DB="ws_bench_agents_$$"
PIDS=()
psql_lab() { runuser -u "$LAB_PG_USER" -- psql -h "$LAB_PG_SOCKET_DIR" -qX "$@"; }
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    psql_lab -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$TMP"
}
trap cleanup EXIT
psql_lab -c "CREATE DATABASE $DB" >/dev/null
URL="postgres://$LAB_PG_USER@/$DB?host=$LAB_PG_SOCKET_DIR"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
serve() {
    "$WS" serve --db "$URL" --files "$TMP/files-$1" --listen "127.0.0.1:$2" --max-connections 256 \
        > "$TMP/serve-$1.out" 2> "$TMP/serve-$1.err" &
    PIDS+=($!)
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$2/api/agents" >/dev/null && return; sleep 0.1; done
    echo "bench: server $1 did not start: $(cat "$TMP/serve-$1.err")" >&2; exit 1
}
PA=$(free_port); serve a "$PA"
PB=$(free_port); serve b "$PB"
A="http://127.0.0.1:$PA"; B="http://127.0.0.1:$PB"

for i in 1 2 3 4; do
    TOKEN=$(curl -sf -X POST -H 'content-type: application/json' "$A/api/agents" \
        -d "{\"name\":\"bench-$i\",\"site\":\"bench\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    WIRESCOPE_AGENT_TOKEN=$TOKEN "$WS" agent --server "$A" --site bench --netns "$LAB_CLIENT_NS" \
        --spool "$TMP/agent-$i.spool" 2> "$TMP/agent-$i.err" &
    PIDS+=($!)
done
for _ in $(seq 200); do
    n=$(curl -sf "$A/api/agents" | python3 -c 'import json,sys; print(sum(a["online"] for a in json.load(sys.stdin)["agents"]))')
    [[ $n == 4 ]] && break
    sleep 0.1
done
[[ $n == 4 ]] || { echo "bench: only $n of 4 agents came online" >&2; exit 1; }

FIRST=$LAB_ANYIP_FIRST
LAST=$(python3 -c 'import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]) + int(sys.argv[2]) - 1)' "$FIRST" "$TARGETS")

# fping from the same namespace over the same addresses: the probing alone.
F0=$(date +%s.%N)
ip netns exec "$LAB_CLIENT_NS" fping -q -c 1 -t 1000 -i 1 -r 0 -g "$FIRST" "$LAST" 2> /dev/null || true
F1=$(date +%s.%N)

# One run at RATE echoes/s per agent, followed by the clients; its figures.
one_run() {
    local rate=$1
    local body="{\"kind\":\"ping\",\"targets_text\":\"$FIRST-$LAST\",\"options\":{\"count\":1,\"timeout\":\"1s\",\"rate\":$rate},\"sites\":[\"bench\"]}"
    ip netns exec "$LAB_CLIENT_NS" tcpdump -i "$LAB_CLIENT_IF" -n -B 16384 -w "$TMP/replies.pcap" \
        "icmp[icmptype] == icmp-echoreply and src net $LAB_ANYIP" 2> "$TMP/tcpdump.err" &
    local tcpdump=$!
    sleep 1
    local t0 t1
    t0=$(date +%s.%N)
    node --experimental-websocket bench/agents-follow.mjs "$TMP/follow.json" "$body" "$A:$CLIENTS" "$B:$CLIENTS"
    t1=$(date +%s.%N)
    sleep 0.5
    kill -INT "$tcpdump"; wait "$tcpdump" 2>/dev/null || true
    tcpdump -r "$TMP/replies.pcap" -n -tt 2>/dev/null | awk '{print $1, $3}' > "$TMP/replies.txt"
    python3 - "$TMP/follow.json" "$TMP/replies.txt" "$B" "$TARGETS" "$t0" "$t1" "$F0" "$F1" "$rate" <<'EOF2'
import json, sys
follow = json.load(open(sys.argv[1]))
replies = {}
for line in open(sys.argv[2]):
    t, src = line.split()
    replies.setdefault(src, float(t) * 1000)
other, targets = sys.argv[3], int(sys.argv[4])
t0, t1, f0, f1 = map(float, sys.argv[5:9])
rate = int(sys.argv[9])
bad = []
lat = {"other": [], "same": []}
for i, c in enumerate(follow["clients"]):
    seqs = [r[0] for r in c["results"]]
    if seqs != list(range(targets)):
        missing = targets - len(set(seqs))
        dups = len(seqs) - len(set(seqs))
        bad.append(f"client {i}: {len(seqs)} results, {missing} missing, {dups} repeated")
    if (c["end"] or {}).get("status") != "finished":
        bad.append(f"client {i}: ended {c['end']}")
    side = "other" if c["base"] == other else "same"
    for _, target, at in c["results"]:
        if target in replies:
            lat[side].append(at - replies[target])
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] if v else float("nan")
wall = t1 - t0
clients = len(follow["clients"])
print(f"agents: {targets} targets shared by 4 agents at {rate}/s each ({4 * rate}/s), "
      f"followed by {clients} WebSocket clients on 2 servers")
print(f"  run to the last client's end   {wall:6.2f} s   {targets * clients / wall:9.0f} result messages/s delivered")
print(f"  fping over the same addresses  {f1 - f0:6.2f} s   (the probing alone, -i 1; ratio {wall / (f1 - f0):.2f})")
print(f"  gaps or duplicates             {len(bad)} clients" + ("" if not bad else ": " + "; ".join(bad[:5])))
print(f"  replies captured               {len(replies)} of {targets}")
for side, name in (("other", "another server"), ("same", "the agents' server")):
    v = lat[side]
    print(f"  reply -> client on {name:18s} p50 {pct(v, .5):7.1f} ms  p99 {pct(v, .99):7.1f} ms  max {max(v) if v else float('nan'):7.1f} ms  ({len(v)} results)")
ok = not bad and pct(lat["other"], .99) <= 200
print("  goal (0 gaps, 0 duplicates, p99 <= 200 ms to another server):", "met" if ok else "NOT met")
EOF2
}
for rate in $RATES; do one_run "$rate"; done
