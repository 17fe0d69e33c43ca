#!/usr/bin/env bash
# Capture-file analysis: `wirescope analyze` against `tshark -q -z io,phs` on the same mix, in one
# run. Two 1 GB files are generated (crates/wirescope-traffic/examples/gen_pcap.rs): 64-byte
# frames (12.5 million) and 1500-byte frames, Ethernet/IPv4 UDP and TCP over 20,000 conversations
# with Zipf-distributed sizes. wirescope reads the whole small file on one core (taskset -c 0),
# then on every core (checked to give the same report);
# tshark, far slower, reads the first 250,000 frames of the same file, and packet rates are
# compared. Prints Mpps, GB/s and the ratio. Needs hyperfine, tshark (editcap) and ~2.1 GB in
# $BENCH_DIR (default /tmp/wirescope-bench-traffic). No network traffic at all.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${BENCH_DIR:-/tmp/wirescope-bench-traffic}
RUNS=${RUNS:-5}
mkdir -p "$DIR"
for t in hyperfine tshark editcap python3; do
    command -v "$t" >/dev/null || { echo "bench/traffic.sh: $t is missing (apt install hyperfine tshark)" >&2; exit 1; }
done
cargo build --release -q -p wirescope
cargo build --release -q -p wirescope-traffic --example gen_pcap
BIN=$PWD/target/release/wirescope
GEN=$PWD/target/release/examples/gen_pcap
[[ -s $DIR/small.pcap ]] || "$GEN" "$DIR/small.pcap" 1000 64
[[ -s $DIR/big.pcap ]] || "$GEN" "$DIR/big.pcap" 1000 1500
[[ -s $DIR/slice.pcap ]] || editcap -r "$DIR/small.pcap" "$DIR/slice.pcap" 1-250000
# Warm the page cache: both tools read from memory, not the disk.
cat "$DIR/small.pcap" "$DIR/big.pcap" "$DIR/slice.pcap" >/dev/null

"$BIN" analyze "$DIR/small.pcap" --json -j 1 >"$DIR/small.json"
"$BIN" analyze "$DIR/small.pcap" --json >"$DIR/small-all.json"
"$BIN" analyze "$DIR/big.pcap" --json -j 1 >"$DIR/big.json"
cmp -s "$DIR/small.json" "$DIR/small-all.json" ||
    { echo "bench/traffic.sh: the report on $(nproc) threads differs from the one-thread report" >&2; exit 1; }
hyperfine -N --style basic --runs "$RUNS" --export-json "$DIR/ws.json" \
    "taskset -c 0 $BIN analyze $DIR/small.pcap --json -j 1" \
    "taskset -c 0 $BIN analyze $DIR/big.pcap --json -j 1" \
    "$BIN analyze $DIR/small.pcap --json"
hyperfine -N --style basic --runs 2 --export-json "$DIR/tshark.json" \
    "taskset -c 0 tshark -q -z io,phs -r $DIR/slice.pcap"

python3 - "$DIR" <<'EOF'
import json, os, sys
d = sys.argv[1]
ws = json.load(open(f"{d}/ws.json"))["results"]
ts = json.load(open(f"{d}/tshark.json"))["results"][0]
small = json.load(open(f"{d}/small.json"))
big = json.load(open(f"{d}/big.json"))
slice_packets = 250_000
t_small, t_big = ws[0]["mean"], ws[1]["mean"]
mpps = small["packets"] / t_small / 1e6
gbps = os.path.getsize(f"{d}/big.pcap") / t_big / 1e9
tshark_pps = slice_packets / ts["mean"]
print()
print(f"64-byte frames:   {small['packets']:,} frames, {os.path.getsize(d + '/small.pcap') / 1e9:.2f} GB in {t_small:.2f} s "
      f"(min {ws[0]['min']:.2f}) -> {mpps:.1f} Mpps on one core (goal >= 10)")
print(f"1500-byte frames: {big['packets']:,} frames, {os.path.getsize(d + '/big.pcap') / 1e9:.2f} GB in {t_big:.3f} s "
      f"(min {ws[1]['min']:.3f}) -> {gbps:.2f} GB/s (goal >= 3)")
t_all = ws[2]["mean"]
cores = os.cpu_count()
print(f"64-byte frames on all {cores} cores: {t_all:.3f} s (min {ws[2]['min']:.3f}) -> "
      f"{small['packets'] / t_all / 1e6:.1f} Mpps, {t_small / t_all:.2f}x one core; the same report (goal >= 20 Mpps on 2 cores)")
print(f"tshark -q -z io,phs: {slice_packets:,} frames of the same mix in {ts['mean']:.2f} s -> {tshark_pps / 1e3:.0f} kpps")
print(f"ratio: wirescope reads {mpps * 1e6 / tshark_pps:.0f}x the packet rate of tshark (goal >= 50x)")
EOF
