#!/usr/bin/env bash
# Stored captures: a capture file uploaded to `wirescope serve`, which reads it into a session,
# writes it again as rotating 64 MiB pcapng files and sums its minutes into the store, against
# `tcpdump -r IN -w OUT -C 64`, which only copies it into rotating 64 MB pcap files, on the same
# 400 MB of 64-byte frames (the first 5 million of bench/traffic.sh's generated mix), in one run.
# Checks that the files hold every frame and the minutes every packet. Prints the times, the
# packet rates and the ratio. Needs curl, tcpdump, editcap and bc, and ~1.3 GB
# in $BENCH_DIR (default /tmp/wirescope-bench-traffic). Traffic: loopback HTTP to the server.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${BENCH_DIR:-/tmp/wirescope-bench-traffic}
RUNS=${RUNS:-3}
mkdir -p "$DIR"
for t in curl tcpdump editcap bc python3; do
    command -v "$t" >/dev/null || { echo "bench/captures.sh: $t is missing (apt install curl tcpdump tshark)" >&2; exit 1; }
done
cargo build --release -q -p wirescope
cargo build --release -q -p wirescope-traffic --example gen_pcap
BIN=$PWD/target/release/wirescope
GEN=$PWD/target/release/examples/gen_pcap
[[ -s $DIR/small.pcap ]] || "$GEN" "$DIR/small.pcap" 1000 64
[[ -s $DIR/upload.pcap ]] || editcap -r "$DIR/small.pcap" "$DIR/upload.pcap" 1-5000000
cat "$DIR/upload.pcap" >/dev/null

WORK=$(mktemp -d "$DIR/captures.XXXXXX")
SERVER_PID=
cleanup() {
    [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
"$BIN" serve --listen 127.0.0.1:0 --db "$WORK/w.db" --capture-keep 4GiB >"$WORK/log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
    URL=$(grep -o 'http://127.0.0.1:[0-9]*/' "$WORK/log" | head -1 || true)
    [[ -n $URL ]] && break
    sleep 0.1
done
[[ -n $URL ]] || { echo "bench/captures.sh: the server did not start: $(cat "$WORK/log")" >&2; exit 1; }

: >"$WORK/times"
for i in $(seq "$RUNS"); do
    start=$(date +%s.%N)
    curl -sf --data-binary @"$DIR/upload.pcap" -H 'content-type: application/octet-stream' \
        "${URL}api/captures/upload?name=upload.pcap" >"$WORK/up-$i.json"
    echo "ws $(echo "$(date +%s.%N) - $start" | bc)" >>"$WORK/times"
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/up-$i.json")
    curl -sf "${URL}api/captures/$id/files" >"$WORK/files-$i.json"
    curl -sf "${URL}api/captures/$id/history" >"$WORK/hist-$i.json"
    # Forget it again, so each run writes to an empty directory.
    curl -sf -X DELETE "${URL}api/captures/$id" >/dev/null
    mkdir -p "$WORK/td-$i"
    start=$(date +%s.%N)
    # As root, tcpdump would write its second file as the user tcpdump: -Z keeps the caller.
    tcpdump -q -Z "$(id -un)" -r "$DIR/upload.pcap" -w "$WORK/td-$i/part" -C 64 2>/dev/null
    echo "tcpdump $(echo "$(date +%s.%N) - $start" | bc)" >>"$WORK/times"
    rm -rf "$WORK/td-$i"
done

python3 - "$WORK" "$DIR/upload.pcap" "$RUNS" <<'EOF'
import json, os, sys
work, pcap, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
frames = 5_000_000
times = {"ws": [], "tcpdump": []}
for line in open(f"{work}/times"):
    k, v = line.split()
    times[k].append(float(v))
for i in range(1, runs + 1):
    files = json.load(open(f"{work}/files-{i}.json"))["files"]
    kept = sum(f["frames"] for f in files)
    assert kept == frames, f"run {i}: the files hold {kept} frames, not {frames}"
    assert all(f["size"] <= 64 << 20 for f in files), "a file passed 64 MiB"
    hist = json.load(open(f"{work}/hist-{i}.json"))
    assert hist["packets"] == frames, f"run {i}: the minutes sum {hist['packets']} packets"
size = os.path.getsize(pcap)
ws, td = min(times["ws"]), min(times["tcpdump"])
nfiles = len(json.load(open(f"{work}/files-1.json"))["files"])
print()
print(f"upload of {size / 1e6:.0f} MB ({frames:,} frames of 64 bytes): best of {runs}")
print(f"  wirescope serve (session, {nfiles} pcapng files of 64 MiB, minutes in the store): {ws:.2f} s "
      f"-> {frames / ws / 1e6:.2f} Mpps, {size / ws / 1e6:.0f} MB/s")
print(f"  tcpdump -r -w -C 64 (copy into rotating files, nothing else): {td:.2f} s -> {frames / td / 1e6:.2f} Mpps")
print(f"ratio: wirescope takes {ws / td:.2f}x tcpdump's time, while also dissecting, counting and storing minutes")
EOF
