#!/usr/bin/env bash
# A bounded soak of `wirescope serve`: about ten minutes of mixed load on loopback and the lab
# (runs into the lab, 50 WebSocket subscribers joining and leaving, 20 MB capture uploads, live
# captures started and stopped, SSH terminals opening and closing, slow clients that never finish
# their headers or stop reading), sampling the server's RSS and open files every 5 s. Passes when
# nothing failed, nothing panicked, RSS plateaued (the last third's peak within 15% + 16 MiB of the
# middle third's) and the open files came back to their baseline once the load stopped.
# Needs root (the lab). Usage: sudo bash bench/soak.sh [SECONDS (600)] [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
source lab/lab.env
[[ $EUID -eq 0 ]] || { echo "soak: run as root (the lab needs it)" >&2; exit 2; }
SECONDS_LOAD=${1:-600}
BIN=${2:-}
if [[ -z "$BIN" ]]; then
    cargo build --release --locked -q -p wirescope
    BIN="$PWD/target/release/wirescope"
fi
started_lab=0
if ! bash lab/lab.sh status >/dev/null 2>&1; then bash lab/lab.sh up >/dev/null; started_lab=1; fi
TMP=$(mktemp -d)
SERVER=""
cleanup() {
    [[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$TMP"
    [[ $started_lab == 1 ]] && bash lab/lab.sh down >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The limits this binary knows (an older one, for a before/after comparison, may know none).
FLAGS=()
help=$("$BIN" serve --help)
for f in "--idle-timeout 20s" "--header-timeout 5s"; do
    grep -q -- "${f%% *}" <<<"$help" && FLAGS+=($f)
done
mkdir -p "$TMP/data"
env XDG_DATA_HOME="$TMP/data" XDG_CONFIG_HOME="$TMP/config" \
    "$BIN" serve --listen 127.0.0.1:0 --db "$TMP/data/w.db" --max-runs 8 "${FLAGS[@]}" \
    >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVER=$!
for _ in $(seq 100); do grep -q "open http" "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
BASE=$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/serve.out" | head -1)
[[ -n "$BASE" ]] || { echo "soak: the server did not start" >&2; cat "$TMP/serve.err" >&2; exit 1; }
echo "== soak: ${SECONDS_LOAD} s of mixed load on $BASE ($BIN ${FLAGS[*]})"

python3 bench/soak.py "$BASE" "$SERVER" "$SECONDS_LOAD" "$LAB_SSH_V4" "$LAB_SSH_PW_USER" \
    "$LAB_SSH_PW_PASSWORD" | tee "$TMP/soak.out"
alive=yes; kill -0 "$SERVER" 2>/dev/null || alive=no
panics=$(grep -c "panicked" "$TMP/serve.err" || true)
python3 - "$TMP/soak.out" "$alive" "$panics" <<'PY'
import json, sys
summary = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
alive, panics = sys.argv[2], int(sys.argv[3])
mib = lambda b: b / 2**20
ok = lambda c: "ok  " if c else "MISS"
c = summary["counts"]
print(f"  load: {c.get('runs', 0)} runs, {c.get('ws sessions', 0)} WebSocket sessions ({c.get('ws messages', 0)} messages), "
      f"{c.get('uploads', 0)} uploads, {c.get('live captures', 0)} live captures, {c.get('terminals', 0)} terminals, "
      f"{c.get('slow clients', 0)} slow clients; 429s: {sum(v for k, v in c.items() if k.endswith('429'))}")
plateau = summary["last_third_peak_rss"] <= summary["middle_third_peak_rss"] * 1.15 + (16 << 20)
fds_back = 0 <= summary["end_fds"] <= summary["baseline_fds"] + 4
print(f"  [{ok(alive == 'yes')}] the server is up at the end")
print(f"  [{ok(panics == 0)}] panics in its log: {panics}")
print(f"  [{ok(not summary['errors'])}] errors: {len(summary['errors'])} {summary['errors'][:5]}")
print(f"  [{ok(plateau)}] RSS: baseline {mib(summary['baseline_rss']):.1f} MiB, peak {mib(summary['peak_rss']):.1f} MiB; "
      f"middle third peak {mib(summary['middle_third_peak_rss']):.1f}, last third peak {mib(summary['last_third_peak_rss']):.1f}; "
      f"after the load {mib(summary['end_rss']):.1f} MiB")
print(f"  [{ok(fds_back)}] open files: baseline {summary['baseline_fds']}, peak {summary['peak_fds']}, after the load {summary['end_fds']}")
sys.exit(0 if alive == "yes" and panics == 0 and not summary["errors"] and plateau and fds_back else 1)
PY
