#!/usr/bin/env bash
# The memory a capture upload costs the server: a 420 MB pcap uploaded once, then three times at
# once, each to a fresh `wirescope serve` on loopback; prints the server's peak RSS (VmHWM) and
# the answers. Usage: bash bench/upload.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v curl >/dev/null || { echo "bench: curl missing (apt-get install curl)" >&2; exit 2; }
BIN=${1:-}
if [[ -z "$BIN" ]]; then
    cargo build --release --locked -q -p wirescope
    BIN="$PWD/target/release/wirescope"
fi
TMP=$(mktemp -d)
SERVER=""
cleanup() { [[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

python3 - "$TMP/big.pcap" <<'PY'
import struct, sys
size, frames = 1400, 420_000_000 // 1416
frame = bytes([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0, 0x45, 0]) + struct.pack(">H", size - 14)
frame += bytes([0, 1, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2, 0x9C, 0x40, 0, 53])
frame = (frame + struct.pack(">H", size - 34) + b"\0\0").ljust(size, b"\xab")
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i in range(frames):
        f.write(struct.pack("<IIII", i // 1000, (i % 1000) * 1000, size, size) + frame)
PY

serve() {
    "$BIN" serve --listen 127.0.0.1:0 --db "$TMP/w-$1.db" >"$TMP/serve.out" 2>/dev/null &
    SERVER=$!
    for _ in $(seq 100); do grep -q "open http" "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
    BASE=$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/serve.out" | head -1)
}
hwm() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER/status"; }
up() { curl -s -o /dev/null -w '%{http_code} ' -H 'Content-Type: application/octet-stream' --data-binary @"$TMP/big.pcap" "$BASE/api/captures/upload?name=big.pcap"; }

echo "== one $(($(stat -c %s "$TMP/big.pcap") / 1000000)) MB upload ($BIN)"
serve one; base=$(hwm); codes=$(up); echo "  answers: $codes; peak RSS ${base} MB before, $(hwm) MB after"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
echo "== three at once"
serve three; base=$(hwm)
codes=$( (up & up & up & wait) )
echo "  answers: $codes; peak RSS ${base} MB before, $(hwm) MB after"
