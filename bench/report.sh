#!/usr/bin/env bash
# Benchmarks `wirescope report` on real runs saved from the lab: a 500-target ping run and a
# 10,000-target one (the AnyIP block, one probe each), each reported three times; prints the
# wall time and peak RSS of each against issue 15's goals (500 targets <= 1 s; 10,000 rows
# <= 10 s and <= 300 MB), the PDF's pages and size, and checks with pdftotext that the last
# target is in it. No peer tool makes this PDF; the figures stand on their own.
# Needs root (the lab). Usage: sudo bash bench/report.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source lab/lab.env
[[ $EUID -eq 0 ]] || { echo "bench: run as root (the lab needs it)" >&2; exit 2; }
command -v pdftotext >/dev/null || { echo "bench: pdftotext missing (apt-get install poppler-utils)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }

cargo build --release --locked -q -p wirescope
WS="$PWD/target/release/wirescope"
started_lab=0
if ! bash lab/lab.sh status >/dev/null 2>&1; then bash lab/lab.sh up >/dev/null; started_lab=1; fi
TMP=$(mktemp -d); trap 'rm -rf "$TMP"; [[ $started_lab == 1 ]] && bash lab/lab.sh down >/dev/null 2>&1' EXIT

nth() { python3 -c 'import ipaddress,sys; print(ipaddress.ip_address(int(ipaddress.ip_address(sys.argv[1])) + int(sys.argv[2])))' "$1" "$2"; }
check() { # label value op goal
    if awk -v v="$2" -v g="$4" -v op="$3" 'BEGIN{exit !((op=="<=")?(v<=g):(v>=g))}'; then echo "  [ok]   $1: $2 (goal $3 $4)"; else echo "  [MISS] $1: $2 (goal $3 $4)"; fi
}

for n in 500 10000; do
    db="$TMP/$n.db"
    last=$(nth "$LAB_ANYIP_FIRST" $((n - 1)))
    ip netns exec "$LAB_CLIENT_NS" "$WS" ping "$LAB_ANYIP_FIRST-$last" -c 1 --timeout 300ms \
        --json --save --db "$db" > /dev/null 2>"$TMP/ping.err"
    best_wall=999999; best_rss=0
    for _ in 1 2 3; do
        t0=$(date +%s%N)
        /usr/bin/time -f "%M" -o "$TMP/time" "$WS" report 1 -o "$TMP/$n.pdf" --db "$db" 2>"$TMP/report.err"
        t1=$(date +%s%N)
        wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b-a)/1e9}')
        rss=$(awk -v k="$(tail -n 1 "$TMP/time")" 'BEGIN{printf "%.0f", k/1024}')
        if awk -v a="$wall" -v b="$best_wall" 'BEGIN{exit !(a<b)}'; then best_wall=$wall; fi
        if (( rss > best_rss )); then best_rss=$rss; fi
    done
    pages=$(pdfinfo "$TMP/$n.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
    size=$(du -k "$TMP/$n.pdf" | cut -f1)
    found=$(pdftotext -layout "$TMP/$n.pdf" - | awk -v t="$last" '$1 == t' | wc -l)
    echo "report of a $n-target ping run: best of 3 $best_wall s, peak RSS $best_rss MB, $pages pages, $size KiB, last target found: $found"
    if [[ $n == 500 ]]; then
        check "500 targets, wall s" "$best_wall" "<=" 1
    else
        check "10,000 rows, wall s" "$best_wall" "<=" 10
        check "10,000 rows, peak RSS MB" "$best_rss" "<=" 300
    fi
done
