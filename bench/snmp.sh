#!/usr/bin/env bash
# Benchmarks wirescope's SNMP walks against net-snmp on the lab, in one run, and prints the
# figures and ratios with the goals of issue 4:
#   - a walk of 1.3.6.1.2.1 on one agent vs `snmpbulkwalk -Cr25` (median of 5 runs each);
#   - ifTable from 400 agent addresses vs `xargs -P50 snmpbulkwalk -Cr25` over the same list.
# Usage: sudo bash bench/snmp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source lab/lab.env
[[ $EUID -eq 0 ]] || { echo "bench: run as root (the lab needs it)" >&2; exit 2; }
command -v snmpbulkwalk >/dev/null || { echo "bench: snmpbulkwalk missing (bash lab/lab.sh deps)" >&2; exit 2; }
cargo build --release --locked -q -p wirescope
WS="$PWD/target/release/wirescope"
started_lab=0
if ! bash lab/lab.sh status >/dev/null 2>&1; then bash lab/lab.sh up >/dev/null; started_lab=1; fi
TMP=$(mktemp -d); trap 'rm -rf "$TMP"; [[ $started_lab == 1 ]] && bash lab/lab.sh down >/dev/null 2>&1' EXIT
IN() { ip netns exec "$LAB_CLIENT_NS" "$@"; }
secs() { local t0 t1; t0=$(date +%s%N); "$@" >"$TMP/out" 2>"$TMP/err" || true; t1=$(date +%s%N); awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f\n", (b-a)/1e9}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (b>0)?a/b:0}'; }
check() { if awk -v v="$2" -v g="$4" -v op="$3" 'BEGIN{exit !((op=="<=")?(v<=g):(v>=g))}'; then echo "  [ok]   $1: $2 (goal $3 $4)"; else echo "  [MISS] $1: $2 (goal $3 $4)"; fi; }
AGENT=$LAB_S1_LAN_V4
C=$LAB_SNMP_COMMUNITY

echo "== walk of 1.3.6.1.2.1 on $AGENT (hyperfine, 20 runs each; wirescope at its default max-repetitions 25, and at 50)"
command -v hyperfine >/dev/null || { echo "bench: hyperfine missing" >&2; exit 2; }
hyperfine -N -w 3 -r 20 --export-json "$TMP/h.json" \
    "ip netns exec $LAB_CLIENT_NS snmpbulkwalk -v2c -c $C -On -Cr25 $AGENT 1.3.6.1.2.1" \
    "ip netns exec $LAB_CLIENT_NS $WS snmp walk $AGENT 1.3.6.1.2.1 -c $C --json" \
    "ip netns exec $LAB_CLIENT_NS $WS snmp walk $AGENT 1.3.6.1.2.1 -c $C --max-repetitions 50 --json" >/dev/null
read -r NT WT W50 < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(r[0]["mean"], r[1]["mean"], r[2]["mean"])' "$TMP/h.json")
net_rows=$(IN snmpbulkwalk -v2c -c "$C" -On -Cr25 "$AGENT" 1.3.6.1.2.1 | wc -l)
ws_rows=$(IN "$WS" snmp walk "$AGENT" 1.3.6.1.2.1 -c "$C" --json | grep -c '"oid"' || true)
echo "  snmpbulkwalk -Cr25 mean $(awk -v t="$NT" 'BEGIN{printf "%.4f", t}') s (${net_rows} lines), wirescope mean $(awk -v t="$WT" 'BEGIN{printf "%.4f", t}') s (${ws_rows} bindings)"
echo "  wirescope --max-repetitions 50: mean $(awk -v t="$W50" 'BEGIN{printf "%.4f", t}') s, $(ratio "$W50" "$NT")x"
check "walk, wirescope/snmpbulkwalk" "$(ratio "$WT" "$NT")" "<=" 1

echo "== ifTable from 400 agent addresses"
python3 - "$LAB_MANY_FIRST" 400 >"$TMP/agents" <<'PY'
import ipaddress, sys
a = int(ipaddress.ip_address(sys.argv[1]))
for i in range(int(sys.argv[2])): print(ipaddress.ip_address(a + i))
PY
XT=$(secs IN sh -c "xargs -P50 -I{} snmpbulkwalk -v2c -c $C -On -Cr25 {} 1.3.6.1.2.1.2.2 <$TMP/agents")
x_rows=$(wc -l <"$TMP/out")
WT4=$(secs IN "$WS" snmp walk -f "$TMP/agents" IF-MIB::ifTable -c "$C" --json)
w_rows=$(grep -c '"oid"' "$TMP/out" || true)
failed=$(grep -c '"error"' "$TMP/out" || true)
echo "  xargs -P50 snmpbulkwalk ${XT} s (${x_rows} lines), wirescope ${WT4} s (${w_rows} bindings, ${failed} agents failed)"
check "400 agents, wirescope/xargs" "$(ratio "$WT4" "$XT")" "<=" 0.5
check "400 agents, same number of bindings" "$w_rows" ">=" "$x_rows"
