#!/usr/bin/env bash
# Benchmarks wirescope's SSH on the lab, in one run, and prints the figures and ratios with the
# goals of issue 6:
#   - keystroke-to-screen echo latency through the dashboard's terminal WebSocket (p99 <= 20 ms),
#     2000 keystrokes into a PTY on the lab's sshd, from a real `wirescope serve`;
#   - one command on 200 lab addresses with keys: `wirescope ssh exec` vs an `xargs -P50 ssh`
#     loop doing the same (<= 0.5x). Both check host keys against a known_hosts file filled
#     beforehand, so neither pays for first contact; median of 3 runs each. OpenSSH is timed
#     with its defaults, then again with the key exchange wirescope uses (curve25519-sha256).
# Usage: sudo bash bench/ssh.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source lab/lab.env
[[ $EUID -eq 0 ]] || { echo "bench: run as root (the lab needs it)" >&2; exit 2; }
command -v ssh >/dev/null || { echo "bench: ssh missing (bash lab/lab.sh deps)" >&2; exit 2; }
cargo build --release --locked -q -p wirescope
cargo build --release --locked -q -p wirescope --example ssh_echo
WS="$PWD/target/release/wirescope"
ECHO="$PWD/target/release/examples/ssh_echo"
started_lab=0
if ! bash lab/lab.sh status >/dev/null 2>&1; then bash lab/lab.sh up >/dev/null; started_lab=1; fi
TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null
    rm -rf "$TMP"
    [[ $started_lab == 1 ]] && bash lab/lab.sh down >/dev/null 2>&1
    return 0
}
trap cleanup EXIT
IN() { ip netns exec "$LAB_CLIENT_NS" "$@"; }
secs() { local t0 t1; t0=$(date +%s%N); "$@" >"$TMP/out" 2>"$TMP/err" || true; t1=$(date +%s%N); awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f\n", (b-a)/1e9}'; }
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (b>0)?a/b:0}'; }
check() { if awk -v v="$2" -v g="$4" -v op="$3" 'BEGIN{exit !((op=="<=")?(v<=g):(v>=g))}'; then echo "  [ok]   $1: $2 (goal $3 $4)"; else echo "  [MISS] $1: $2 (goal $3 $4)"; fi; }
KEY="$LAB_SSH_KEY_DIR/id_ed25519"
USER_K=$LAB_SSH_KEY_USER

echo "== echo latency through the terminal WebSocket (2000 keystrokes, $LAB_SSH_PW_USER@$LAB_SSH_V4)"
XDG_DATA_HOME="$TMP/data" "$WS" serve --listen 127.0.0.1:0 --db "$TMP/ws.db" >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVER_PID=$!
for _ in $(seq 50); do grep -q 'http://' "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' "$TMP/serve.out" | head -n1)
OPEN=$(printf '{"type":"open","target":"%s","user":"%s","password":"%s","netns":"%s","cols":80,"rows":24}' \
    "$LAB_SSH_V4" "$LAB_SSH_PW_USER" "$LAB_SSH_PW_PASSWORD" "$LAB_CLIENT_NS")
read -r n p50 p99 max < <("$ECHO" "${URL/http/ws}/api/ssh/terminal" "$OPEN" 2000)
echo "  $n keystrokes: p50 ${p50} ms, p99 ${p99} ms, max ${max} ms"
check "echo latency p99 (ms)" "$p99" "<=" 20

echo "== one command on $LAB_SSH_MANY_COUNT addresses, key login"
python3 - "$LAB_SSH_MANY_FIRST" "$LAB_SSH_MANY_COUNT" >"$TMP/targets" <<'PY'
import ipaddress, sys
a = int(ipaddress.ip_address(sys.argv[1]))
for i in range(int(sys.argv[2])): print(ipaddress.ip_address(a + i))
PY
KH="$TMP/known_hosts"
# fill the known_hosts once (both tools read OpenSSH's format), then time with the keys known
IN "$WS" ssh exec -f "$TMP/targets" -l "$USER_K" -i "$KEY" --known-hosts "$KH" --accept-new-host-keys --json -- true >/dev/null
SSH_OPTS=(-o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$KH" -o GlobalKnownHostsFile=/dev/null -i "$KEY")
ws_run()   { IN "$WS" ssh exec -f "$TMP/targets" -l "$USER_K" -i "$KEY" --known-hosts "$KH" --json -- 'echo $SSH_CONNECTION'; }
ssh_run()  { IN xargs -P50 -I{} ssh "${SSH_OPTS[@]}" "$@" "$USER_K@{}" 'echo $SSH_CONNECTION' <"$TMP/targets"; }
w=(); s=(); c=()
for _ in 1 2 3; do
    w+=("$(secs ws_run)"); ws_ok=$(grep -c '"exit_status":0' "$TMP/out" || true)
    s+=("$(secs ssh_run)"); ssh_ok=$(grep -c " 22$" "$TMP/out" || true)
    c+=("$(secs ssh_run -o KexAlgorithms=curve25519-sha256)"); ssh25519_ok=$(grep -c " 22$" "$TMP/out" || true)
done
WT=$(median3 "${w[@]}"); ST=$(median3 "${s[@]}"); CT=$(median3 "${c[@]}")
echo "  wirescope ssh exec ${WT} s (${ws_ok} exit 0), xargs -P50 ssh ${ST} s (${ssh_ok} answers)"
echo "  xargs -P50 ssh -o KexAlgorithms=curve25519-sha256: ${CT} s (${ssh25519_ok} answers), wirescope $(ratio "$WT" "$CT")x of that"
check "200 devices, wirescope/xargs ssh" "$(ratio "$WT" "$ST")" "<=" 0.5
check "200 devices, every command answered" "$ws_ok" ">=" "$ssh_ok"
