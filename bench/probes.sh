#!/usr/bin/env bash
# Benchmarks wirescope's probes against the tools engineers would otherwise use (fping, nmap,
# traceroute, dig), on the lab, in one run, and prints the figures and ratios with the goals of
# issue 2. Needs root. Traffic stays inside the lab's namespaces. Usage: sudo bash bench/probes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source lab/lab.env
[[ $EUID -eq 0 ]] || { echo "bench: run as root (the lab needs it)" >&2; exit 2; }
for c in fping nmap traceroute dig; do command -v $c >/dev/null || { echo "bench: $c missing (bash lab/lab.sh deps)" >&2; exit 2; }; done
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }

cargo build --release --locked -q -p wirescope
WS="$PWD/target/release/wirescope"
started_lab=0
if ! bash lab/lab.sh status >/dev/null 2>&1; then bash lab/lab.sh up >/dev/null; started_lab=1; fi
TMP=$(mktemp -d); trap 'rm -rf "$TMP"; [[ $started_lab == 1 ]] && bash lab/lab.sh down >/dev/null 2>&1' EXIT
IN() { ip netns exec "$LAB_CLIENT_NS" "$@"; }

# Wall time (s) and peak RSS (MB) of a command run in the client namespace; output kept in $TMP/out.
measure() {
    local t0 t1 kb
    t0=$(date +%s%N)
    IN /usr/bin/time -f "%M" -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err" || true
    t1=$(date +%s%N)
    WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')
    kb=$(tail -n 1 "$TMP/time")   # time(1) puts "Command exited with non-zero status" first
    RSS=$(awk -v k="$kb" 'BEGIN{printf "%.1f", k/1024}')
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (b>0)?a/b:0}'; }
check() { # label value op goal
    if awk -v v="$2" -v g="$4" -v op="$3" 'BEGIN{exit !((op=="<=")?(v<=g):(v>=g))}'; then echo "  [ok]   $1: $2 (goal $3 $4)"; else echo "  [MISS] $1: $2 (goal $3 $4)"; fi
}

seq_ips() { python3 - "$1" "$2" <<'PY'
import ipaddress, sys
a = int(ipaddress.ip_address(sys.argv[1]))
for i in range(int(sys.argv[2])): print(ipaddress.ip_address(a + i))
PY
}

echo "== ping: 500 targets (400 alive, 100 unreachable), 3 s timeout"
seq_ips "$LAB_MANY_FIRST" 400 >"$TMP/alive400"
seq_ips "$LAB_DEAD_V4" 100 >"$TMP/dead100"
cat "$TMP/alive400" "$TMP/dead100" >"$TMP/t500"
measure fping -c1 -t3000 -i1 -f "$TMP/t500"; F500=$WALL
measure "$WS" ping -f "$TMP/t500" --timeout 3s --json; W500=$WALL
alive=$(grep -c '"alive":true' "$TMP/out" || true)
measure "$WS" ping -f "$TMP/alive400" --timeout 3s --json; W400=$WALL
measure fping -c1 -t3000 -i1 -f "$TMP/alive400"; F400=$WALL
echo "  fping ${F500} s, wirescope ${W500} s (${alive} alive); alive-only: fping ${F400} s, wirescope ${W400} s"
check "500 targets, wirescope wall s" "$W500" "<=" 3.3
check "500 targets, wirescope/fping" "$(ratio "$W500" "$F500")" "<=" 0.95
check "400 alive, wirescope wall s" "$W400" "<=" 0.2

echo "== ping: 10,000 targets (9,000 alive, 1,000 unreachable), 3 s timeout"
{ seq_ips "$LAB_ANYIP_FIRST" 9001 | tail -n 9000; seq_ips "$LAB_DEAD_V4" 1000; } >"$TMP/t10k"
measure "$WS" ping -f "$TMP/t10k" --timeout 3s --json; W10K=$WALL; R10K=$RSS
alive=$(grep -c '"alive":true' "$TMP/out" || true)
measure fping -c1 -t3000 -i1 -f "$TMP/t10k"; F10K=$WALL
echo "  wirescope ${W10K} s, ${R10K} MB peak RSS, ${alive} alive; fping -i1 ${F10K} s"
check "10k targets, wirescope wall s" "$W10K" "<=" 5
check "10k targets, peak RSS MB" "$R10K" "<=" 50
check "10k targets, wirescope/fping" "$(ratio "$W10K" "$F10K")" "<=" 1

echo "== scan: 400 hosts x top 1000 ports (port $LAB_FILTERED_PORT filtered)"
measure nmap -sT -T4 -Pn -n --top-ports 1000 -oG "$TMP/nmap.gnmap" -iL "$TMP/alive400"; NMAP=$WALL
measure "$WS" scan -f "$TMP/alive400" --top 1000 --method connect --json; WCONNECT=$WALL
measure "$WS" scan -f "$TMP/alive400" --top 1000 --json; WSCAN=$WALL
python3 - "$TMP/nmap.gnmap" "$TMP/out" >"$TMP/cmp" <<'PY'
import json, re, sys
nmap = {}
for line in open(sys.argv[1]):
    m = re.match(r"Host: (\S+) .*Ports: (.*)", line)
    if m:
        nmap[m.group(1)] = sorted(int(p.split("/")[0]) for p in m.group(2).split(", ") if "/open/" in p)
ws = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    if r.get("kind") == "scan":
        ws[r["target"]] = sorted(r["open"])
same = sum(1 for h in ws if ws[h] == nmap.get(h))
print(f"{same} {len(ws)} {len(nmap)}")
PY
read -r same nws nnmap <"$TMP/cmp"
echo "  nmap -sT ${NMAP} s; wirescope (SYN, the default as root) ${WSCAN} s, --method connect ${WCONNECT} s"
echo "  open ports identical on ${same}/${nws} hosts (nmap reported ${nnmap})"
echo "  connect scan/nmap -sT: $(ratio "$WCONNECT" "$NMAP")"
check "scan, wirescope/nmap" "$(ratio "$WSCAN" "$NMAP")" "<=" 0.5
check "scan, hosts with the same open ports" "$same" ">=" 400

echo "== traceroute: 4 hops, and 100 targets concurrently"
measure traceroute -n -q 3 "$LAB_FAR_V4"; T1=$WALL
measure "$WS" trace "$LAB_FAR_V4" --json; W1=$WALL
reached=$(grep -c '"reached":true' "$TMP/out" || true)
seq_ips "$LAB_TRACE_FIRST" 100 >"$TMP/t100"
measure "$WS" trace -f "$TMP/t100" --json; W100=$WALL
r100=$(grep -c '"reached":true' "$TMP/out" || true)
echo "  traceroute ${T1} s, wirescope ${W1} s (reached: ${reached}); 100 targets: ${W100} s (${r100} reached)"
check "trace 4 hops, wirescope s" "$W1" "<=" 0.5
check "trace 100 targets, wirescope s" "$W100" "<=" 3

echo "== traceroute: the second of two back-to-back traces to the rate-limiting far host"
# The far host keeps the kernel's ICMP rate limit (a burst of 6, then 1 error per second per
# peer): a second trace right after a first loses probes at its TTL. Each pair starts after
# 7 s of rest so both tools meet the same limiter.
pair() { # label -- command...: times the second of two back-to-back runs into SECOND, output in $TMP/out
    sleep 7
    IN "$@" >/dev/null 2>&1 || true
    measure "$@"; SECOND=$WALL
}
for proto in udp tcp icmp; do
    case $proto in udp) tflag="" ;; tcp) tflag="-T -p 80" ;; icmp) tflag="-I" ;; esac
    # shellcheck disable=SC2086
    pair traceroute -n $tflag "$LAB_FAR_V4"; TR=$SECOND
    tr_hops=$(grep -cE '^ ?[0-9]+ ' "$TMP/out" || true)
    pair "$WS" trace "$LAB_FAR_V4" -P "$proto" --json; WT=$SECOND
    whops=$(python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(len(r["hops"]), r["reached"], r["hops"][-1]["addr"])' "$TMP/out")
    echo "  $proto: wirescope ${WT} s (hops, reached, last: ${whops}); traceroute -n ${tflag:-(udp)} ${TR} s (${tr_hops} hops); ratio $(ratio "$WT" "$TR")"
    check "second trace over $proto, wirescope s" "$WT" "<=" 0.5
done

echo "== DNS: 2,000 names against the lab's dnsmasq"
measure dig +tries=1 +time=2 @"$LAB_DNS_V4" -f "$LAB_BENCH_NAMES_FILE"; DIG=$WALL
dig_answers=$(grep -c "IN	A	" "$TMP/out" || true)
measure "$WS" dns -f "$LAB_BENCH_NAMES_FILE" --server "$LAB_DNS_V4" --json; WDNS=$WALL
answered=$(grep -c '"rcode":"NOERROR"' "$TMP/out" || true)
echo "  dig -f ${DIG} s (${dig_answers} answers), wirescope ${WDNS} s (${answered} NOERROR)"
check "dns, wirescope/dig" "$(ratio "$WDNS" "$DIG")" "<=" 0.5
check "dns, answered" "$answered" ">=" 2000
