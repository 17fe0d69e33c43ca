#!/usr/bin/env bash
# wirescope test lab: builds a small network out of Linux network namespaces.
#
#   lab/lab.sh up       tear down leftovers, build everything, wait for daemons
#   lab/lab.sh down     kill lab processes, delete namespaces (idempotent)
#   lab/lab.sh status   exit 0 iff the lab is up
#   lab/lab.sh deps     apt-get install the Debian packages the lab needs
#
# Needs root (network namespaces, /run, /etc/netns).  SAFETY: every network
# change goes through nip/nx/ns_sysctl below, which refuse any namespace not
# named LAB_PREFIX*; the root network namespace is never modified (veth pairs
# are created directly inside the lab namespaces).  `up` fingerprints the root
# namespace before and after and warns loudly if anything changed.
#
# All names/addresses/ports come from lab.env.  To add a namespace (snmpd,
# lldpd, sshd, ...): add it to LAB_NAMESPACES and its addresses to lab.env,
# write build_<short>() (links/addresses/routes/sysctls) and, if it runs a
# daemon, start_<short>() using spawn() (the daemon writes $RUN/NAME.pid when
# ready; cmd_up waits for it), call them from cmd_up, and add NAME to
# EXPECTED_DAEMONS (checked by status).  lan_attach() puts a namespace on the LAN.
set -euo pipefail

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lab.env
source "$LAB_DIR/lab.env"
RUN="$LAB_RUN_DIR"

log()  { printf '[lab] %s\n' "$*" >&2; }
warn() { printf '[lab] WARNING: %s\n' "$*" >&2; }
die()  { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }
csv()  { tr ',' ' ' <<<"$1"; }          # "a,b,c" -> "a b c"

# ------------------------------------------------------------------ guards
[[ "$LAB_PREFIX" == wsl- ]] || die "LAB_PREFIX must be wsl- (got '$LAB_PREFIX')"
[[ "$RUN" == /run/wirescope-lab ]] || die "LAB_RUN_DIR must be /run/wirescope-lab"

is_lab_ns() { [[ -n "${1:-}" && "$1" == "$LAB_PREFIX"?* ]]; }
# ip -n NS ...   (never the root namespace)
nip() { local ns=$1; shift; is_lab_ns "$ns" || die "refusing ip on namespace '$ns'"; ip -n "$ns" "$@"; }
# run a command inside NS
nx()  { local ns=$1; shift; is_lab_ns "$ns" || die "refusing exec in namespace '$ns'"; ip netns exec "$ns" "$@"; }

# ns_sysctl NS key=value ...  -- writes /proc/sys inside NS.  A key that is
# missing or read-only there is not per-netns on this kernel: it is skipped
# (and listed in $RUN/sysctl-skipped), never written in the root namespace.
ns_sysctl() {
    local ns=$1; shift
    nx "$ns" sh -c '
        ns=$1; shift
        for kv in "$@"; do
            k=${kv%%=*}; v=${kv#*=}
            f=/proc/sys/$(printf %s "$k" | tr . /)
            if [ -f "$f" ] && [ -w "$f" ]; then
                printf "%s\n" "$v" > "$f" || echo "$ns $k write-failed" >&2
            else
                echo "$ns $k" >> "'"$RUN"'/sysctl-skipped"
            fi
        done' sh "$ns" "$@"
}

# ------------------------------------------------------------------ requirements
need_cmds() {   # cmd:debian-package ...
    local missing=() pkgs=() spec
    for spec in "$@"; do
        command -v "${spec%%:*}" >/dev/null 2>&1 || { missing+=("${spec%%:*}"); pkgs+=("${spec#*:}"); }
    done
    if ((${#missing[@]})); then
        die "missing command(s): ${missing[*]} -- install with: apt-get install -y ${pkgs[*]}  (or: $0 deps)"
    fi
}
require_root() { [[ $EUID -eq 0 ]] || die "must run as root (network namespaces, /run, /etc/netns)"; }

DEB_PACKAGES="iproute2 dnsmasq-base nftables fping nmap traceroute bind9-dnsutils tcpdump hyperfine procps util-linux python3 netcat-openbsd iputils-ping"

pick_python() {
    if [[ -n "${LAB_PYTHON:-}" ]]; then PY=$LAB_PYTHON
    elif [[ -x /usr/bin/python3 ]]; then PY=/usr/bin/python3
    else PY=$(command -v python3)
    fi
}

# ------------------------------------------------------------------ root-namespace fingerprint (read-only)
root_fingerprint() {
    {
        ip -o link show | sed -E 's/ qlen [0-9]+//; s/\\.*//'
        ip -o addr show | sed -E 's/(valid|preferred)_lft [^ ]+//g'
        ip route show table all | sed -E 's/expires [^ ]+//'
        ip -6 route show table all | sed -E 's/expires [^ ]+//'
        ip rule show; ip -6 rule show
        ls /run/netns 2>/dev/null | grep -v "^$LAB_PREFIX" || true
        local f
        for f in net/ipv4/ip_forward net/ipv6/conf/all/forwarding net/ipv4/icmp_ratelimit \
                 net/ipv4/icmp_msgs_per_sec net/ipv4/icmp_msgs_burst net/ipv6/icmp/ratelimit \
                 net/ipv4/ping_group_range net/ipv4/fib_multipath_hash_policy \
                 net/ipv6/fib_multipath_hash_policy net/ipv4/conf/all/rp_filter \
                 net/ipv6/conf/all/accept_dad net/ipv6/conf/default/accept_dad; do
            printf '%s=%s\n' "$f" "$(tr '\t' ' ' < /proc/sys/$f 2>/dev/null || echo -)"
        done
    }
}

# ------------------------------------------------------------------ process helpers
pid_alive() { # exists and is not a zombie
    [[ -n "${1:-}" && -r /proc/$1/stat ]] || return 1
    local st; st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [[ -n "$st" && "$st" != Z ]]
}
pid_cmd_matches() { # PID REGEX
    pid_alive "$1" && tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -Eq -- "$2"
}
ancestors() { # pids of this shell and its ancestors (never killed)
    local p=$$
    while [[ -n "$p" && "$p" != 0 ]]; do
        echo "$p"
        p=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f2 || true)
    done
}
lab_ns_present() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB_PREFIX" || true; }

# pids of processes inside lab namespaces + pids from our pid files
lab_pids() {
    local ns f pid
    for ns in $(lab_ns_present); do ip netns pids "$ns" 2>/dev/null || true; done
    if [[ -d "$RUN" ]]; then
        for f in "$RUN"/*.pid; do
            [[ -f "$f" ]] || continue
            pid=$(head -n1 "$f" 2>/dev/null || true)
            [[ "$pid" =~ ^[0-9]+$ ]] || continue
            pid_cmd_matches "$pid" 'dnsmasq|listeners\.py' && echo "$pid"
        done
    fi
}

kill_lab_processes() {
    local keep pids pid i killed=()
    keep=" $(ancestors | tr '\n' ' ') "
    for sig in TERM TERM TERM TERM TERM TERM TERM TERM TERM TERM KILL KILL KILL KILL KILL; do
        pids=()
        for pid in $(lab_pids | sort -un); do
            [[ "$keep" == *" $pid "* ]] && continue
            pid_alive "$pid" && pids+=("$pid")
        done
        if ((${#pids[@]} == 0)); then
            # dead daemons were reparented to init: give it a moment to reap
            # them so no <defunct> entries are left behind (cosmetic)
            for ((i = 0; i < 30; i++)); do
                local left=0
                for pid in "${killed[@]}"; do [[ -e /proc/$pid ]] && { left=1; break; }; done
                ((left)) || break
                sleep 0.1
            done
            return 0
        fi
        killed+=("${pids[@]}")
        kill -s "$sig" "${pids[@]}" 2>/dev/null || true
        for i in 1 2 3 4 5; do
            sleep 0.1
            local any=0
            for pid in "${pids[@]}"; do pid_alive "$pid" && { any=1; break; }; done
            ((any)) || break
        done
    done
    warn "some lab processes survived SIGKILL: $(lab_pids | tr '\n' ' ')"
}

# ------------------------------------------------------------------ topology building blocks
ns_create() { # NS -- new namespace with lo up and the lab's common sysctls
    local ns=$1
    is_lab_ns "$ns" || die "bad namespace $ns"
    ip netns add "$ns"
    # sysctls first: interfaces created later inherit conf/default/*
    ns_sysctl "$ns" \
        net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
        net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
        net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
        net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 \
        net.ipv4.icmp_msgs_per_sec=1000000 net.ipv4.icmp_msgs_burst=1000000
    nip "$ns" link set lo up
}

# lan_attach NS IFNAME V4/LEN V6/LEN -- veth from NS to the LAN bridge in wsl-sw
lan_attach() {
    local ns=$1 ifn=$2 v4=$3 v6=$4 port="p-${1#"$LAB_PREFIX"}"
    nip "$LAB_SW_NS" link add "$port" type veth peer name "$ifn" netns "$ns"
    nip "$LAB_SW_NS" link set "$port" master "$LAB_SW_BRIDGE" up
    nip "$ns" addr add "$v4" dev "$ifn"
    nip "$ns" -6 addr add "$v6" dev "$ifn" nodad
    nip "$ns" link set "$ifn" up
}

# p2p NS1 IF1 NS2 IF2 -- veth pair between two lab namespaces, both ends up
p2p() {
    local a=$1 ia=$2 b=$3 ib=$4
    is_lab_ns "$b" || die "bad namespace $b"
    nip "$a" link add "$ia" type veth peer name "$ib" netns "$b"
    nip "$a" link set "$ia" up
    nip "$b" link set "$ib" up
}
net30() { local a b c d; IFS=. read -r a b c d <<<"$1"; echo "$a.$b.$c.$((d & ~3))/30"; }
net64() { echo "${1%::*}::/64"; }                          # 2001:db8:x:a1::1 -> 2001:db8:x:a1::/64
addr4() { nip "$1" addr add "$3" dev "$2"; }                 # NS IF A/LEN
addr6() { nip "$1" -6 addr add "$3" dev "$2" nodad; }        # NS IF A/LEN

router_sysctls() {
    ns_sysctl "$1" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
        net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1 \
        net.ipv4.icmp_errors_use_inbound_ifaddr=1
}

# ------------------------------------------------------------------ namespaces
# daemons `status` requires (pid files $RUN/NAME.pid); keep in sync with start_*()
EXPECTED_DAEMONS=(dnsmasq listeners-h listeners-alt listeners-d)
# --- wsl-sw: the LAN switch ------------------------------------------------
build_sw() {
    nip "$LAB_SW_NS" link add "$LAB_SW_BRIDGE" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    nip "$LAB_SW_NS" link set "$LAB_SW_BRIDGE" up
}

# --- wsl-c: the client; probes run here ------------------------------------
build_c() {
    local ns=$LAB_CLIENT_NS
    lan_attach "$ns" "$LAB_CLIENT_IF" "$LAB_CLIENT_V4/24" "$LAB_CLIENT_V6/64"
    # eth1 -> wsl-alt (built in build_alt)
    p2p "$ns" "$LAB_CLIENT_ALT_IF" "$LAB_ALT_NS" eth0
    addr4 "$ns" "$LAB_CLIENT_ALT_IF" "$LAB_CLIENT_ALT_V4/24"
    # many-address host and its AnyIP block
    nip "$ns" route add "$LAB_MANY_NET" via "$LAB_HOST_V4"
    nip "$ns" route add "$LAB_ANYIP" via "$LAB_HOST_V4"
    nip "$ns" -6 route add "$LAB_MANY_V6_NET" via "$LAB_HOST_V6"
    # routed path via r1
    nip "$ns" route add "$LAB_ROUTED_V4" via "$LAB_R1_LAN_V4"
    nip "$ns" route add "$LAB_TRACE_NET" via "$LAB_R1_LAN_V4"
    nip "$ns" -6 route add "$LAB_ROUTED_V6" via "$LAB_R1_LAN_V6"
    # the missing neighbour
    nip "$ns" route add "$LAB_DEAD_NET" via "$LAB_MISSING_GW_V4"
    nip "$ns" -6 route add "$LAB_DEAD_NET_V6" via "$LAB_MISSING_GW_V6"
    # VRF-like overlap: bound to eth1, the LAN prefix goes to wsl-alt
    nip "$ns" route add "$LAB_LAN_V4" dev "$LAB_CLIENT_ALT_IF" metric "$LAB_CLIENT_ALT_ROUTE_METRIC"
    ns_sysctl "$ns" "net.ipv4.ping_group_range=0 2147483647"
    mkdir -p "/etc/netns/$ns"
    printf 'nameserver %s\nsearch %s\n' "$LAB_DNS_V4" "$LAB_DOMAIN" > "/etc/netns/$ns/resolv.conf"
}

# --- wsl-h: many-address host ----------------------------------------------
build_h() {
    local ns=$LAB_HOST_NS batch="$RUN/h-addrs.batch" i a b c3 c4
    lan_attach "$ns" eth0 "$LAB_HOST_V4/24" "$LAB_HOST_V6/64"
    IFS=. read -r a b c3 c4 <<<"$LAB_MANY_FIRST"
    local base=$(( (c3 << 8) | c4 ))
    {
        for ((i = 0; i < LAB_MANY_COUNT; i++)); do
            local n=$((base + i))
            echo "address add $a.$b.$((n >> 8)).$((n & 255))/32 dev lo"
        done
        local v6pfx=${LAB_MANY_V6_FIRST%::*}
        for ((i = 1; i <= LAB_MANY_V6_COUNT; i++)); do
            printf 'address add %s::%x/128 dev lo nodad\n' "$v6pfx" "$i"
        done
        echo "route add local $LAB_ANYIP dev lo"
    } > "$batch"
    nip "$ns" -batch "$batch"
    cat > "$RUN/h.nft" <<EOF
table inet wsl {
    chain input {
        type filter hook input priority filter; policy accept;
        tcp dport $LAB_FILTERED_PORT drop
        ip daddr $LAB_FILTERED_8080_ADDR tcp dport $LAB_HTTP_ALT_PORT drop
    }
}
EOF
    nx "$ns" nft -f "$RUN/h.nft"
}
start_h() { start_listeners "$LAB_HOST_NS" h $(csv "$LAB_OPEN_PORTS"); }

# --- wsl-alt: behind client eth1, owns the overlapping 198.18.0.20 ---------
build_alt() {
    local ns=$LAB_ALT_NS
    # link created by build_c; ping_group_range deliberately left at "1 0"
    addr4 "$ns" eth0 "$LAB_ALT_V4/24"
    addr4 "$ns" eth0 "$LAB_ALT_OVERLAP_V4/32"
    nip "$ns" route add "$LAB_CLIENT_V4/32" dev eth0
}
start_alt() { start_listeners "$LAB_ALT_NS" alt "$LAB_ALT_PORT"; }

# --- wsl-dns: dnsmasq -------------------------------------------------------
build_dns() {
    lan_attach "$LAB_DNS_NS" eth0 "$LAB_DNS_V4/24" "$LAB_DNS_V6/64"
    write_dnsmasq_conf
}
start_dns() {
    spawn dnsmasq "$LAB_DNS_NS" dnsmasq --keep-in-foreground --conf-file="$RUN/dnsmasq.conf"
}

# --- routers and the far host ------------------------------------------------
build_r1() {
    local ns=$LAB_R1_NS
    router_sysctls "$ns"
    lan_attach "$ns" eth0 "$LAB_R1_LAN_V4/24" "$LAB_R1_LAN_V6/64"
    p2p "$ns" to-r2a "$LAB_R2A_NS" to-r1
    p2p "$ns" to-r2b "$LAB_R2B_NS" to-r1
    addr4 "$ns" to-r2a "$LAB_R1_R2A_V4_A/30"; addr6 "$ns" to-r2a "$LAB_R1_R2A_V6_A/64"
    addr4 "$ns" to-r2b "$LAB_R1_R2B_V4_A/30"; addr6 "$ns" to-r2b "$LAB_R1_R2B_V6_A/64"
    # ECMP (L4 hash) over r2a and r2b for everything behind them
    local p
    for p in "$LAB_ROUTED_V4" "$LAB_TRACE_NET"; do
        nip "$ns" route add "$p" \
            nexthop via "$LAB_R1_R2A_V4_B" dev to-r2a nexthop via "$LAB_R1_R2B_V4_B" dev to-r2b
    done
    nip "$ns" -6 route add "$LAB_FAR_NET_V6" \
        nexthop via "$LAB_R1_R2A_V6_B" dev to-r2a nexthop via "$LAB_R1_R2B_V6_B" dev to-r2b
}
build_r2a() {
    local ns=$LAB_R2A_NS
    router_sysctls "$ns"
    addr4 "$ns" to-r1 "$LAB_R1_R2A_V4_B/30"; addr6 "$ns" to-r1 "$LAB_R1_R2A_V6_B/64"
    p2p "$ns" to-r3 "$LAB_R3_NS" to-r2a
    addr4 "$ns" to-r3 "$LAB_R2A_R3_V4_A/30"; addr6 "$ns" to-r3 "$LAB_R2A_R3_V6_A/64"
    # back to the LAN (and r1's other link) via r1; the rest via r3
    nip "$ns" route add "$LAB_LAN_V4" via "$LAB_R1_R2A_V4_A"
    nip "$ns" route add "$(net30 "$LAB_R1_R2B_V4_A")" via "$LAB_R1_R2A_V4_A"
    nip "$ns" route add "$LAB_ROUTED_V4" via "$LAB_R2A_R3_V4_B"
    nip "$ns" route add "$LAB_TRACE_NET" via "$LAB_R2A_R3_V4_B"
    nip "$ns" -6 route add "$LAB_LAN_V6" via "$LAB_R1_R2A_V6_A"
    nip "$ns" -6 route add "$(net64 "$LAB_R1_R2B_V6_A")" via "$LAB_R1_R2A_V6_A"
    nip "$ns" -6 route add "$LAB_FAR_NET_V6" via "$LAB_R2A_R3_V6_B"
}
build_r2b() {
    local ns=$LAB_R2B_NS
    router_sysctls "$ns"
    addr4 "$ns" to-r1 "$LAB_R1_R2B_V4_B/30"; addr6 "$ns" to-r1 "$LAB_R1_R2B_V6_B/64"
    p2p "$ns" to-r3 "$LAB_R3_NS" to-r2b
    addr4 "$ns" to-r3 "$LAB_R2B_R3_V4_A/30"; addr6 "$ns" to-r3 "$LAB_R2B_R3_V6_A/64"
    nip "$ns" route add "$LAB_LAN_V4" via "$LAB_R1_R2B_V4_A"
    nip "$ns" route add "$(net30 "$LAB_R1_R2A_V4_A")" via "$LAB_R1_R2B_V4_A"
    nip "$ns" route add "$LAB_ROUTED_V4" via "$LAB_R2B_R3_V4_B"
    nip "$ns" route add "$LAB_TRACE_NET" via "$LAB_R2B_R3_V4_B"
    nip "$ns" -6 route add "$LAB_LAN_V6" via "$LAB_R1_R2B_V6_A"
    nip "$ns" -6 route add "$(net64 "$LAB_R1_R2A_V6_A")" via "$LAB_R1_R2B_V6_A"
    nip "$ns" -6 route add "$LAB_FAR_NET_V6" via "$LAB_R2B_R3_V6_B"
}
build_r3() {
    local ns=$LAB_R3_NS
    router_sysctls "$ns"
    addr4 "$ns" to-r2a "$LAB_R2A_R3_V4_B/30"; addr6 "$ns" to-r2a "$LAB_R2A_R3_V6_B/64"
    addr4 "$ns" to-r2b "$LAB_R2B_R3_V4_B/30"; addr6 "$ns" to-r2b "$LAB_R2B_R3_V6_B/64"
    p2p "$ns" to-d "$LAB_FAR_NS" to-r3
    addr4 "$ns" to-d "$LAB_R3_D_V4_A/30"; addr6 "$ns" to-d "$LAB_R3_D_V6_A/64"
    nip "$ns" route add "$LAB_FAR_V4/32" via "$LAB_R3_D_V4_B"
    nip "$ns" route add "$LAB_TRACE_NET" via "$LAB_R3_D_V4_B"
    nip "$ns" -6 route add "$LAB_FAR_PREFIX_V6" via "$LAB_R3_D_V6_B"
    # everything else (LAN, r1 links) back via r2a
    nip "$ns" route add default via "$LAB_R2A_R3_V4_A"
    nip "$ns" -6 route add default via "$LAB_R2A_R3_V6_A"
}
build_d() {
    local ns=$LAB_FAR_NS
    addr4 "$ns" to-r3 "$LAB_R3_D_V4_B/30"; addr6 "$ns" to-r3 "$LAB_R3_D_V6_B/64"
    nip "$ns" addr add "$LAB_FAR_V4/32" dev lo
    nip "$ns" -6 addr add "$LAB_FAR_V6/128" dev lo nodad
    nip "$ns" route add local "$LAB_TRACE_NET" dev lo
    nip "$ns" route add default via "$LAB_R3_D_V4_A"
    nip "$ns" -6 route add default via "$LAB_R3_D_V6_A"
}
start_d() { start_listeners "$LAB_FAR_NS" d "$LAB_FAR_PORT"; }

# ------------------------------------------------------------------ daemons
# spawn NAME NS CMD... -- run CMD detached (own session) inside NS, stdout and
# stderr to $RUN/NAME.log.  No shell stays in between: the daemon's pid is $!.
# The daemon must write $RUN/NAME.pid itself once it is ready.
declare -A SPAWNED=()
DAEMONS=()
spawn() {
    local name=$1 ns=$2; shift 2
    is_lab_ns "$ns" || die "refusing to spawn in namespace '$ns'"
    rm -f "$RUN/$name.pid"
    ( exec ip netns exec "$ns" setsid "$@" </dev/null >>"$RUN/$name.log" 2>&1 9<&- ) &
    SPAWNED[$name]=$!
    DAEMONS+=("$name")
}
# start_listeners NS NAME PORT... -- listeners.py; ready when its pid file exists
start_listeners() {
    local ns=$1 name=listeners-$2; shift 2
    spawn "$name" "$ns" "$PY" "$LAB_DIR/listeners.py" --name "${name#listeners-}" \
        --pid-file "$RUN/$name.pid" "$@"
}
wait_ready() { # NAME -- its pid file names a live process
    local name=$1 f="$RUN/$1.pid" i
    for ((i = 0; i < 100; i++)); do
        [[ -s "$f" ]] && pid_alive "$(head -n1 "$f")" && return 0
        pid_alive "${SPAWNED[$name]:-}" || break
        sleep 0.1
    done
    die "$name did not start; $RUN/$name.log says: $(tail -n5 "$RUN/$name.log" 2>/dev/null)"
}

dns_query_ok() { # answers A for LAB_HOST_NAME from the client namespace
    if command -v dig >/dev/null 2>&1; then
        [[ "$(nx "$LAB_CLIENT_NS" dig +short +time=1 +tries=1 @"$LAB_DNS_V4" "$LAB_HOST_NAME" A 2>/dev/null)" == "$LAB_HOST_V4" ]]
    else
        nx "$LAB_CLIENT_NS" "$PY" - "$LAB_DNS_V4" "$LAB_HOST_NAME" "$LAB_HOST_V4" <<'PYEOF'
import socket, struct, sys
srv, name, want = sys.argv[1:4]
q = struct.pack(">HHHHHH", 0x5753, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
s.sendto(q, (srv, 53)); r = s.recv(4096)
sys.exit(0 if socket.inet_aton(want) in r and struct.unpack(">H", r[6:8])[0] > 0 else 1)
PYEOF
    fi
}
wait_dns() {
    local i
    for ((i = 0; i < 50; i++)); do dns_query_ok && return 0; sleep 0.1; done
    die "dnsmasq does not answer $LAB_HOST_NAME on $LAB_DNS_V4; log: $(tail -n5 "$RUN/dnsmasq.log" 2>/dev/null)"
}

# ------------------------------------------------------------------ dnsmasq data
write_bench_files() {
    local i n
    : > "$LAB_BENCH_NAMES_FILE"; : > "$LAB_BENCH_HOSTS_FILE"
    {
        for ((i = 0; i < LAB_BENCH_COUNT; i++)); do
            printf -v n 'n%04d.%s' "$i" "$LAB_BENCH_DOMAIN"
            printf '198.18.%d.%d %s\n' $((64 + i / 250)) $((i % 250 + 1)) "$n"
        done
    } > "$LAB_BENCH_HOSTS_FILE"
    awk '{print $2}' "$LAB_BENCH_HOSTS_FILE" > "$LAB_BENCH_NAMES_FILE"
}

hex_dns_name() { # ns.lab.test -> wire format in hex (for --dns-rr)
    local label out=""
    for label in $(tr '.' ' ' <<<"$1"); do
        out+=$(printf '%02x' "${#label}")$(printf %s "$label" | od -An -tx1 | tr -d ' \n')
    done
    printf '%s00' "$out"
}

write_dnsmasq_conf() {
    local d=$LAB_DOMAIN i s big=""
    write_bench_files
    local letters=abcdefghijklmnopqrstuvwxyz
    for ((i = 0; i < LAB_DNS_BIG_STRINGS; i++)); do
        printf -v s 'big%02d-' "$i"
        s+=$(printf '%*s' $((LAB_DNS_BIG_STRING_LEN - ${#s})) '' | tr ' ' "${letters:i%26:1}")
        big+="txt-record=$LAB_DNS_BIG_NAME,\"$s\""$'\n'
    done
    cat > "$RUN/dnsmasq.conf" <<EOF
# generated by lab/lab.sh -- do not edit
port=$LAB_DNS_PORT
bind-interfaces
listen-address=$LAB_DNS_V4
listen-address=$LAB_DNS_V6
no-resolv
no-hosts
no-poll
local=/$d/
local=/18.198.in-addr.arpa/
local=/19.198.in-addr.arpa/
local=/3.5.7.5.8.b.d.0.1.0.0.2.ip6.arpa/
dns-forward-max=4096
# TTL of every local record (dnsmasq's default is 0)
local-ttl=$LAB_DNS_TTL
max-tcp-connections=100
pid-file=$RUN/dnsmasq.pid
# -k + log to stderr: lab.sh redirects it to $RUN/dnsmasq.log
log-facility=-
addn-hosts=$LAB_BENCH_HOSTS_FILE
# the first host-record for an address owns its PTR
host-record=$LAB_HOST_NAME,$LAB_HOST_V4,$LAB_HOST_V6
host-record=d.$d,$LAB_FAR_V4,$LAB_FAR_V6
host-record=r1.$d,$LAB_R1_LAN_V4,$LAB_R1_LAN_V6
host-record=ns.$d,$LAB_DNS_V4,$LAB_DNS_V6
host-record=v6only.$d,$LAB_HOST_V6
host-record=dead.$d,$LAB_DEAD_V4
host-record=mail.$d,$LAB_HOST_V4
cname=www.$d,$LAB_HOST_NAME
mx-host=$d,mail.$d,10
txt-record=$d,"v=wirescope-lab"
srv-host=_ssh._tcp.$d,$LAB_HOST_NAME,$LAB_SSH_PORT,0,5
caa-record=$d,0,issue,letsencrypt.org
# NS (type 2) via raw RR; dnsmasq only serves NS natively in auth mode
dns-rr=$d,2,$(hex_dns_name "ns.$d")
# big TXT: one RR per string (dnsmasq config lines are limited to ~1024 chars)
$big
EOF
}

# ------------------------------------------------------------------ commands
cmd_down() {
    require_root
    command -v ip >/dev/null 2>&1 || { rm -rf "$RUN"; return 0; }
    kill_lab_processes
    local ns
    for ns in $(lab_ns_present) $(csv "$LAB_NAMESPACES"); do
        is_lab_ns "$ns" || continue
        if [[ -e "/run/netns/$ns" ]]; then
            ip netns del "$ns" 2>/dev/null || warn "could not delete namespace $ns"
        fi
    done
    if [[ -d /etc/netns ]]; then
        rm -rf /etc/netns/"$LAB_PREFIX"*
        rmdir /etc/netns 2>/dev/null || true
    fi
    rm -rf "$RUN"
}

cmd_up() {
    require_root
    need_cmds ip:iproute2 ss:iproute2 nft:nftables dnsmasq:dnsmasq-base python3:python3 \
        setsid:util-linux flock:util-linux timeout:coreutils od:coreutils awk:mawk
    command -v dig >/dev/null 2>&1 || warn "dig not found (bind9-dnsutils): using a python DNS check"
    pick_python
    local t0=$SECONDS fp_before fp_after
    fp_before=$(root_fingerprint)

    cmd_down
    mkdir -p "$RUN"
    # shellcheck disable=SC2034  # UP_OK is read by the EXIT trap
    UP_OK=0
    trap '((UP_OK)) || log "up FAILED; state left for inspection, clean with: $0 down"' EXIT

    local ns
    for ns in $(csv "$LAB_NAMESPACES"); do ns_create "$ns"; done
    build_sw
    build_c          # also creates the c<->alt link
    build_alt
    build_h
    build_dns
    build_r1
    build_r2a
    build_r2b
    build_r3
    build_d
    # <- build_snmp / build_lldp / build_ssh go here

    start_dns
    start_h
    start_alt
    start_d
    # <- start_snmp / start_lldp / start_ssh go here

    local d
    for d in "${DAEMONS[@]}"; do wait_ready "$d"; done
    wait_dns
    # shellcheck disable=SC2034
    UP_OK=1

    fp_after=$(root_fingerprint)
    if [[ "$fp_before" != "$fp_after" ]]; then
        warn "SAFETY: the root network namespace changed during up:"
        diff <(echo "$fp_before") <(echo "$fp_after") >&2 || true
    fi
    summary "$((SECONDS - t0))"
}

summary() {
    cat <<EOF
wirescope lab is UP (${1}s)  -- namespaces: $(csv "$LAB_NAMESPACES")
  client   $LAB_CLIENT_NS  eth0 $LAB_CLIENT_V4 $LAB_CLIENT_V6  eth1 $LAB_CLIENT_ALT_V4 (-> $LAB_ALT_NS)
  host     $LAB_HOST_NS  $LAB_HOST_V4 $LAB_HOST_V6  +$LAB_MANY_COUNT x /32 $LAB_MANY_FIRST-$LAB_MANY_LAST  +$LAB_MANY_V6_COUNT x /128  AnyIP $LAB_ANYIP
           tcp open $LAB_OPEN_PORTS  filtered $LAB_FILTERED_PORT  closed $LAB_CLOSED_PORT
  alt      $LAB_ALT_NS  $LAB_ALT_V4 + $LAB_ALT_OVERLAP_V4/32  tcp open $LAB_ALT_PORT (reach with -I $LAB_CLIENT_ALT_IF)
  dns      $LAB_DNS_NS  $LAB_DNS_V4 $LAB_DNS_V6  zone $LAB_DOMAIN  $LAB_BENCH_COUNT bench names in $LAB_BENCH_NAMES_FILE
  far      $LAB_FAR_NS  $LAB_FAR_V4 $LAB_FAR_V6  ($LAB_FAR_HOPS hops: r1, r2a|r2b, r3, d)  trace targets $LAB_TRACE_NET
  dead     $LAB_DEAD_NET $LAB_DEAD_NET_V6 (gateways $LAB_MISSING_GW_V4 / $LAB_MISSING_GW_V6 do not exist)
  try:     ip netns exec $LAB_CLIENT_NS dig +short $LAB_HOST_NAME
EOF
    if [[ -s "$RUN/sysctl-skipped" ]]; then
        echo "  note: sysctls not per-netns here (skipped): $(awk '{print $2}' "$RUN/sysctl-skipped" | sort -u | tr '\n' ' ')"
    fi
}

cmd_status() {
    local ok=0 ns f pid
    for ns in $(csv "$LAB_NAMESPACES"); do
        if [[ -e "/run/netns/$ns" ]]; then echo "ns      $ns ok"; else echo "ns      $ns MISSING"; ok=1; fi
    done
    for f in "${EXPECTED_DAEMONS[@]}"; do
        pid=$(head -n1 "$RUN/$f.pid" 2>/dev/null || true)
        if [[ "$pid" =~ ^[0-9]+$ ]] && pid_cmd_matches "$pid" 'dnsmasq|listeners\.py'; then
            echo "daemon  $f pid $pid ok"
        else
            echo "daemon  $f NOT RUNNING"; ok=1
        fi
    done
    if ((ok == 0)); then echo "lab is up"; else echo "lab is DOWN (or incomplete)"; fi
    return "$ok"
}

cmd_deps() {
    require_root
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $DEB_PACKAGES
}

# serialize concurrent invocations (lock on this script file: leaves nothing behind)
exec 9<"$LAB_DIR/lab.sh"
if command -v flock >/dev/null 2>&1; then flock -w 300 9 || die "another lab.sh is running"; fi

case "${1:-}" in
    up)     cmd_up ;;
    down)   cmd_down; log "lab is down" ;;
    status) cmd_status ;;
    deps)   cmd_deps ;;
    *)      echo "usage: $0 up|down|status|deps" >&2; exit 2 ;;
esac
