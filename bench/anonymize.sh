#!/usr/bin/env bash
# Capture anonymisation: `wirescope anonymize` against libtrace's `traceanon --cryptopan` (Debian's
# libtrace-tools) on the same generated 1 GB pcap of 64-byte frames (12.5 million, Ethernet/IPv4
# UDP and TCP over 20,000 conversations: crates/wirescope-traffic/examples/gen_pcap.rs), one core
# each (taskset -c 0), the same 32-byte key. Both implement Crypto-PAn: the bench also checks that
# they give every address the same pseudonym (the first 100,000 frames compared with tshark).
# Prints each tool's rate and the ratio (goal: wirescope >= 2x). Needs hyperfine, tshark,
# traceanon, ~1 GB in $BENCH_DIR and ~2.2 GB more there or in /dev/shm (default /tmp/wirescope-bench-traffic). No network traffic.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${BENCH_DIR:-/tmp/wirescope-bench-traffic}
RUNS=${RUNS:-3}
mkdir -p "$DIR"
for t in hyperfine tshark traceanon python3; do
    command -v "$t" >/dev/null || { echo "bench/anonymize.sh: $t is missing (apt install hyperfine tshark libtrace-tools)" >&2; exit 1; }
done
cargo build --release -q -p wirescope
cargo build --release -q -p wirescope-traffic --example gen_pcap
BIN=$PWD/target/release/wirescope
GEN=$PWD/target/release/examples/gen_pcap
[[ -s $DIR/small.pcap ]] || "$GEN" "$DIR/small.pcap" 1000 64
KEY=$DIR/anon.key
[[ -s $KEY ]] || head -c 32 /dev/urandom >"$KEY"
cat "$DIR/small.pcap" >/dev/null
# the outputs go to memory (tmpfs) when there is one: the disk's write speed is not what is measured
OUT=$DIR
[[ -d /dev/shm && $(df --output=avail -k /dev/shm | tail -1) -gt 3000000 ]] && OUT=$(mktemp -d /dev/shm/wirescope-anon.XXXXXX)
trap 'rm -f "$OUT/ws-anon.pcapng" "$OUT/ta-anon.pcap"; [[ $OUT == /dev/shm/* ]] && rmdir "$OUT"' EXIT

hyperfine -N --style basic --runs "$RUNS" --export-json "$DIR/anon.json" \
    "taskset -c 0 $BIN anonymize $DIR/small.pcap -o $OUT/ws-anon.pcapng --key $KEY" \
    "taskset -c 0 traceanon -f $KEY -s -d pcapfile:$DIR/small.pcap pcapfile:$OUT/ta-anon.pcap"

# the same pseudonyms, frame by frame
fields() { tshark -r "$1" -c "$2" -T fields -e ip.src -e ip.dst 2>/dev/null; }
if cmp -s <(fields "$OUT/ws-anon.pcapng" 100000) <(fields "$OUT/ta-anon.pcap" 100000); then SAME=yes; else SAME=no; fi
ORIG=$(fields "$DIR/small.pcap" 3 | tr '\n' ' ')
ANON=$(fields "$OUT/ws-anon.pcapng" 3 | tr '\n' ' ')

python3 - "$DIR" "$SAME" <<'PY'
import json, os, sys
d, same = sys.argv[1], sys.argv[2]
r = json.load(open(f"{d}/anon.json"))["results"]
size = os.path.getsize(f"{d}/small.pcap")
frames = (size - 24) // (16 + 64)
ws, ta = r[0]["mean"], r[1]["mean"]
print()
print(f"wirescope anonymize: {frames:,} frames, {size / 1e9:.2f} GB in {ws:.2f} s (min {r[0]['min']:.2f}) -> {frames / ws / 1e6:.2f} Mpps on one core")
print(f"traceanon -c:        the same file in {ta:.2f} s (min {r[1]['min']:.2f}) -> {frames / ta / 1e6:.2f} Mpps on one core")
print(f"ratio: wirescope anonymises at {ta / ws:.1f}x the rate of traceanon (goal >= 2x); the same pseudonyms for the first 100,000 frames: {same}")
PY
echo "e.g. $ORIG-> $ANON"
