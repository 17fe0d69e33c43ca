#!/usr/bin/env bash
# Benchmarks the watch: a suite pinging 10,000 lab addresses every minute for MINUTES (10),
# with a latency_up and a down rule, run by a release `wirescope serve`. Measures how late each
# scheduled echo left against its place in the fire's spread (tcpdump in the client namespace),
# the server's CPU over the whole time, the bytes a trend sample costs in SQLite, a 7-day trend
# query for one target on a store filled with 8 days of a 10,000-target suite, and the trend page
# drawn in Debian's chromium. Prints the figures against the goals of issue 13.
# Usage: sudo bash bench/watch.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
source lab/lab.env
[[ $EUID -eq 0 ]] || { echo "bench: run as root (the lab needs it)" >&2; exit 2; }
MINUTES=${1:-10}
[[ "$MINUTES" =~ ^[0-9]+$ && $MINUTES -ge 2 && $MINUTES -le 60 ]] || { echo "bench: MINUTES is 2 to 60" >&2; exit 2; }
command -v tcpdump >/dev/null || { echo "bench: tcpdump missing" >&2; exit 2; }
[[ -d web/node_modules/playwright-core ]] || { echo "bench: run npm ci in web/ first" >&2; exit 2; }

cargo build --release --locked -q -p wirescope --bin wirescope
WS="$PWD/target/release/wirescope"
started_lab=0
if ! bash lab/lab.sh status >/dev/null 2>&1; then bash lab/lab.sh up >/dev/null; started_lab=1; fi
TMP=$(mktemp -d)
SERVER="" DUMP=""
cleanup() {
    [[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null || true
    [[ -n "$DUMP" ]] && kill "$DUMP" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$TMP"
    [[ $started_lab == 1 ]] && bash lab/lab.sh down >/dev/null 2>&1 || true
}
trap cleanup EXIT

start_server() {
    "$WS" serve --listen 127.0.0.1:0 --db "$TMP/w.db" >"$TMP/serve.out" 2>&1 &
    SERVER=$!
    for _ in $(seq 100); do grep -q "open http" "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
    PORT=$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/serve.out" | tail -1 | cut -d: -f3)
    BASE="http://127.0.0.1:$PORT"
}
start_server

# 10,000 of the AnyIP addresses of wsl-h: 198.18.64.1 - 198.18.103.16
TARGETS="198.18.64.1-198.18.103.16"
ip netns exec "$LAB_CLIENT_NS" tcpdump -i eth0 -n -tt -U -w "$TMP/echo.pcap" \
    "icmp[icmptype] == icmp-echo and dst net $LAB_ANYIP" 2>"$TMP/tcpdump.err" &
DUMP=$!
sleep 1
curl -fsS -H 'content-type: application/json' "$BASE/api/suites" -d @- >"$TMP/created.json" <<EOF
{"name": "bench-10k", "schedule": {"cron": "* * * * *", "timezone": "UTC"},
 "runs": [{"kind": "ping", "targets": "$TARGETS", "options": {"count": 1, "timeout": "1s"}, "net": {"netns": "$LAB_CLIENT_NS"}}],
 "alerts": [{"preset": "latency_up"}, {"preset": "down", "after": 2}]}
EOF
SUITE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TMP/created.json")
cpu() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
CPU0=$(cpu); T0=$(date +%s.%N)
echo "bench: suite $SUITE pings 10,000 addresses every minute for $MINUTES minutes (server $BASE)"
# MINUTES whole fires, then the last run's end and its take
python3 - "$BASE" "$SUITE" "$MINUTES" <<'PY'
import json, sys, time, urllib.request
base, suite, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
deadline = time.time() + n * 60 + 120
while time.time() < deadline:
    fires = json.load(urllib.request.urlopen(f"{base}/api/suites/{suite}"))["fires"]
    series = json.load(urllib.request.urlopen(f"{base}/api/suites/{suite}/series"))["series"]
    samples = sum(s["samples"] for s in series)
    if len(fires) >= n and samples >= n * 10000:
        break
    time.sleep(5)
PY
CPU1=$(cpu); T1=$(date +%s.%N)
kill "$DUMP"; wait "$DUMP" 2>/dev/null || true; DUMP=""
curl -fsS "$BASE/api/suites/$SUITE" >"$TMP/suite.json"
curl -fsS "$BASE/api/suites/$SUITE/series" >"$TMP/series.json"
curl -fsS "$BASE/api/alerts?suite=$SUITE&limit=10" >"$TMP/alerts.json"
tcpdump -r "$TMP/echo.pcap" -n -tt 2>/dev/null | awk '{print $1}' >"$TMP/sends.txt"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
TICKS=$(getconf CLK_TCK)

python3 bench/watch.py report "$TMP" "$CPU0" "$CPU1" "$T0" "$T1" "$TICKS" "$MINUTES"

# a store as 8 days of this suite would leave it (samples of one target, hourly and 5-minute
# rollups of all 10,000), then the 7-day query through the API and the page in the browser
python3 bench/watch.py fill "$TMP/w.db" "$SUITE"
start_server
SERIES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["series"][0]["id"])' "$TMP/series.json")
python3 bench/watch.py query "$BASE" "$SUITE" "$SERIES"
node bench/trend-page.mjs "$BASE" "$SUITE" "$SERIES"
