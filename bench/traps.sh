#!/usr/bin/env bash
# Benchmarks the trap receiver against net-snmp's snmptrapd, both on loopback and fed the same
# way: SNMPv2c linkDown traps, each with its own request-id, at RATE a second for SECONDS from
# one socket (examples/trap_blast.rs). snmptrapd (-f -Lo, authorization off) prints one line per
# trap; `wirescope serve --traps` stores each in its history. Prints what each kept, the CPU
# each used per trap, wirescope's peak memory, and the ratios against issue 14's goal (60,000
# traps/s for 30 s, at least 99.9% stored, three times what snmptrapd keeps).
# Usage: bash bench/traps.sh [RATE [SECONDS]]   (default 60000 30; needs snmptrapd installed)
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-60000}
SECS=${2:-30}
[[ "$RATE" =~ ^[0-9]+$ && $RATE -ge 100 && $RATE -le 200000 ]] || { echo "bench: RATE is 100 to 200000" >&2; exit 2; }
[[ "$SECS" =~ ^[0-9]+$ && $SECS -ge 1 && $SECS -le 120 ]] || { echo "bench: SECONDS is 1 to 120" >&2; exit 2; }
command -v snmptrapd >/dev/null || { echo "bench: snmptrapd missing (apt-get install snmptrapd)" >&2; exit 2; }
cargo build --release --locked -q -p wirescope --bin wirescope --example trap_blast
WS="$PWD/target/release/wirescope"
BLAST="$PWD/target/release/examples/trap_blast"
TMP=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
listening() { for _ in $(seq 200); do ss -Hlun "sport = :$1" | grep -q . && return 0; sleep 0.05; done; return 1; }

echo "bench: $RATE traps/s for $SECS s into each receiver on 127.0.0.1"

# snmptrapd: one line per trap on stdout
SNMPTRAPD_PORT=11620
printf 'disableAuthorization yes\nformat2 T %%#v\\n\n' > "$TMP/snmptrapd.conf"
env MIBS= snmptrapd -f -Lo -n -C -c "$TMP/snmptrapd.conf" -p "$TMP/snmptrapd.pid" \
    "udp:127.0.0.1:$SNMPTRAPD_PORT" > "$TMP/snmptrapd.out" 2>/dev/null &
SNMPTRAPD=$!; PIDS+=("$SNMPTRAPD")
listening $SNMPTRAPD_PORT || { echo "bench: snmptrapd did not start" >&2; exit 1; }
C0=$(cpu_ticks $SNMPTRAPD)
"$BLAST" "127.0.0.1:$SNMPTRAPD_PORT" "$RATE" "$SECS" > "$TMP/blast1.json"
sleep 3
C1=$(cpu_ticks $SNMPTRAPD)
kill $SNMPTRAPD; wait $SNMPTRAPD 2>/dev/null || true
NET_SNMP_KEPT=$(grep -c '^T ' "$TMP/snmptrapd.out" || true)

# wirescope serve --traps: stored in its history
WS_PORT=11621
"$WS" serve --listen 127.0.0.1:0 --db "$TMP/w.db" --traps "127.0.0.1:$WS_PORT" > "$TMP/serve.out" 2>&1 &
SERVER=$!; PIDS+=("$SERVER")
for _ in $(seq 100); do grep -q "open http" "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
BASE="http://127.0.0.1:$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/serve.out" | tail -1 | cut -d: -f3)"
listening $WS_PORT || { echo "bench: the receiver did not start" >&2; exit 1; }
W0=$(cpu_ticks $SERVER)
"$BLAST" "127.0.0.1:$WS_PORT" "$RATE" "$SECS" > "$TMP/blast2.json"
# every trap received is stored within a moment: wait until the count stops moving
last=-1
for _ in $(seq 60); do
    curl -fsS "$BASE/api/traps/receiver" > "$TMP/receiver.json"
    now=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stored"])' "$TMP/receiver.json")
    [[ "$now" == "$last" ]] && break
    last=$now; sleep 1
done
W1=$(cpu_ticks $SERVER)
PEAK_KB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
# a page of the history, as the dashboard asks for it, on the full store
T0=$(date +%s%N); curl -fsS "$BASE/api/traps?limit=200" > /dev/null; T1=$(date +%s%N)
T2=$(date +%s%N); curl -fsS "$BASE/api/traps?oid=linkDown&source=127.0.0.1&limit=200" > /dev/null; T3=$(date +%s%N)

python3 - "$RATE" "$SECS" "$TMP" "$NET_SNMP_KEPT" "$C0" "$C1" "$W0" "$W1" "$PEAK_KB" \
    "$(( (T1 - T0) / 1000000 ))" "$(( (T3 - T2) / 1000000 ))" "$(du -k "$TMP/w.db" | cut -f1)" <<'PY'
import json, os, sys
rate, secs, tmp, ns_kept, c0, c1, w0, w1, peak_kb, page_ms, filtered_ms, db_kb = sys.argv[1:]
hz = os.sysconf("SC_CLK_TCK")
b1 = json.load(open(f"{tmp}/blast1.json")); b2 = json.load(open(f"{tmp}/blast2.json"))
r = json.load(open(f"{tmp}/receiver.json")); c = r["counts"]
ns_kept = int(ns_kept)
ns_pct = 100 * ns_kept / b1["sent"]
ws_pct = 100 * r["stored"] / b2["sent"]
ns_cpu = (int(c1) - int(c0)) / hz
ws_cpu = (int(w1) - int(w0)) / hz
print(f"sent: snmptrapd {b1['sent']} at {b1['rate']}/s, wirescope {b2['sent']} at {b2['rate']}/s")
print(f"snmptrapd: printed {ns_kept} ({ns_pct:.2f}%), CPU {ns_cpu:.1f} s ({1e6 * ns_cpu / max(ns_kept, 1):.1f} us a trap)")
print(f"wirescope: received {c['received']}, stored {r['stored']} ({ws_pct:.3f}%), dropped in the queue {c['dropped']}, "
      f"CPU {ws_cpu:.1f} s ({1e6 * ws_cpu / max(r['stored'], 1):.1f} us a trap), peak memory {int(peak_kb) / 1024:.0f} MiB, "
      f"store {int(db_kb) / max(r['stored'], 1) * 1024:.0f} B a trap")
print(f"history on {r['stored']} traps: newest page {page_ms} ms, filtered page {filtered_ms} ms")
print(f"ratio: wirescope kept {ws_pct / max(ns_pct, 1e-9):.2f}x what snmptrapd kept at {rate}/s "
      f"(goal: >= 99.9% stored {'met' if ws_pct >= 99.9 else 'MISSED'}; "
      f"3x snmptrapd's {ns_pct:.1f}%: {'met' if ws_pct >= min(100, 3 * ns_pct) - 1e-9 else 'MISSED'})")
PY
