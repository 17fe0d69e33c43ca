#!/usr/bin/env bash
# Network CLIs at scale, in one run: `show running-config` (about 2,000 lines, paged by 24 until
# paging is turned off) from the lab's 200 emulated Cisco IOS devices (lab/netcli, a release
# build, in wsl-ssh on LAB_NETCLI_PORT of 198.18.40.1-200), each needing `enable` with its secret:
#   - wirescope: `ssh exec --shell --platform cisco_ios` (its default concurrency, 100);
#   - netmiko (PyPI, pinned in bench/netmiko-requirements.txt, in a venv this script makes): the
#     script an engineer would write, bench/netmiko_fetch.py, a 50-thread pool of ConnectHandler.
# Both run from the lab's client namespace against the same devices; both must bring back every
# device's whole configuration. Host keys: wirescope's known_hosts is filled by a first run, so
# neither pays for first contact (netmiko checks none). Median of 3 runs each; prints the times
# and the ratio against the goal of issue 20 (<= 0.5x). Usage: sudo bash bench/netcli.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source lab/lab.env
[[ $EUID -eq 0 ]] || { echo "bench: run as root (the lab needs it)" >&2; exit 2; }
VENV=${NETMIKO_VENV:-/var/lib/wirescope-lab/netmiko}
cargo build --release --locked -q -p wirescope -p wirescope-lab-netcli
WS="$PWD/target/release/wirescope"
started_lab=0
if ! bash lab/lab.sh status >/dev/null 2>&1; then
    LAB_NETCLI_BIN="$PWD/target/release/wirescope-lab-netcli" bash lab/lab.sh up >/dev/null
    started_lab=1
else
    LAB_NETCLI_BIN="$PWD/target/release/wirescope-lab-netcli" bash lab/lab.sh netcli-restart
fi
[[ -x "$VENV/bin/pip" ]] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check -r bench/netmiko-requirements.txt
TMP=$(mktemp -d)
cleanup() {
    rm -rf "$TMP"
    [[ $started_lab == 1 ]] && bash lab/lab.sh down >/dev/null 2>&1
    return 0
}
trap cleanup EXIT
IN() { ip netns exec "$LAB_CLIENT_NS" "$@"; }
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (b>0)?a/b:0}'; }
check() { if awk -v v="$2" -v g="$4" -v op="$3" 'BEGIN{exit !((op=="<=")?(v<=g):(v>=g))}'; then echo "  [ok]   $1: $2 (goal $3 $4)"; else echo "  [MISS] $1: $2 (goal $3 $4)"; fi; }

IFS=. read -r a b c d <<<"$LAB_SSH_MANY_FIRST"
HOSTS=$(for ((i = 0; i < LAB_SSH_MANY_COUNT; i++)); do printf '%s.%s.%s.%s,' "$a" "$b" "$c" $((d + i)); done)
HOSTS=${HOSTS%,}
RANGE="$LAB_SSH_MANY_FIRST-$a.$b.$c.$((d + LAB_SSH_MANY_COUNT - 1))"
export WS_PW="$LAB_NETCLI_PASSWORD" WS_EN="$LAB_NETCLI_ENABLE"
export NETMIKO_USER="$LAB_NETCLI_USER" NETMIKO_PASSWORD="$LAB_NETCLI_PASSWORD" NETMIKO_SECRET="$LAB_NETCLI_ENABLE"
wirescope_run() {
    IN "$WS" ssh exec "$RANGE" --json --no-progress --shell --platform cisco_ios \
        -l "$LAB_NETCLI_USER" --password-env WS_PW --enable-secret-env WS_EN -p "$LAB_NETCLI_PORT" \
        --known-hosts "$TMP/known_hosts" --accept-new-host-keys --command-timeout 60s \
        -- "show running-config" >"$TMP/ws.ndjson"
}
# Every device, every line: the figures count only whole runs.
wirescope_check() {
    python3 - "$TMP/ws.ndjson" "$LAB_SSH_MANY_COUNT" "$LAB_NETCLI_BENCH_LINES" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if r.get("kind") == "ssh"]
bad = [f"{r['target']}: {r['error']}" for r in rows if r.get("error")]
short = [r["target"] for r in rows if not r.get("error")
         and len(r["outputs"][0]["output"].splitlines()) < int(sys.argv[3])]
if len(rows) != int(sys.argv[2]) or bad or short:
    sys.exit(f"wirescope: {len(rows)} devices, failed {bad[:3]}, short {short[:3]}")
EOF
}
netmiko_run() {
    IN "$VENV/bin/python" bench/netmiko_fetch.py "$HOSTS" "$LAB_NETCLI_PORT" 50 >"$TMP/nm.json"
    python3 - "$TMP/nm.json" "$LAB_SSH_MANY_COUNT" "$LAB_NETCLI_BENCH_LINES" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
if r["devices"] != int(sys.argv[2]) or r["min_lines"] < int(sys.argv[3]):
    sys.exit(f"netmiko: {r}")
EOF
}
timed() { local t0 t1; t0=$(date +%s%N); "$@"; t1=$(date +%s%N); awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f\n", (b-a)/1e9}'; }

echo "== show running-config ($LAB_NETCLI_BENCH_LINES lines, paged) from $LAB_SSH_MANY_COUNT emulated IOS devices, with enable"
wirescope_run && wirescope_check   # fills known_hosts; checks the output once
ws=() nm=()
for _ in 1 2 3; do
    ws+=("$(timed wirescope_run)"); wirescope_check
    nm+=("$(timed netmiko_run)")
done
W=$(median3 "${ws[@]}")
N=$(median3 "${nm[@]}")
echo "  wirescope ssh exec --shell:   ${ws[*]} s (median $W s)"
echo "  netmiko, 50 threads:          ${nm[*]} s (median $N s)"
check "wirescope / netmiko" "$(ratio "$W" "$N")" "<=" 0.5
