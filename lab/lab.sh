#!/usr/bin/env bash
# wirescope test lab: builds a small network out of Linux network namespaces.
#
#   lab/lab.sh up       tear down leftovers, build everything, wait for daemons
#   lab/lab.sh down     kill lab processes, delete namespaces (idempotent)
#   lab/lab.sh status   exit 0 iff the lab is up
#   lab/lab.sh deps     apt-get install the Debian packages the lab needs
#   lab/lab.sh pg-restart  restart the lab's PostgreSQL, its data kept
#   lab/lab.sh ssh-rotate  give the rotated SSH host a new host key; print its fingerprint
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

DEB_PACKAGES="iproute2 dnsmasq-base nftables fping nmap traceroute bind9-dnsutils tcpdump hyperfine procps util-linux python3 python3-venv netcat-openbsd iputils-ping snmpd snmp lldpd gnome-keyring dbus libsecret-tools openssh-server openssh-client python3-aiosmtpd postgresql prometheus"
# daemons whose pid files the lab trusts (status, down)
DAEMON_RE='dnsmasq|listeners\.py|sinks\.py|delayline\.py|snmpd|lldpd|sshd|snmpsim-command-responder|wirescope-lab-netcli'
# net-snmp: load no MIB files (checks use numeric OIDs); keep its persistent state in $RUN
SNMP_ENV=(env MIBS= SNMP_PERSISTENT_DIR="$RUN/snmp-client")

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
            pid_cmd_matches "$pid" "$DAEMON_RE" && echo "$pid"
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

# lan_attach NS IFNAME V4/LEN V6/LEN [MAC] -- veth from NS to the LAN bridge in wsl-sw
lan_attach() {
    local ns=$1 ifn=$2 v4=$3 v6=$4 mac=${5:-} port="p-${1#"$LAB_PREFIX"}"
    nip "$LAB_SW_NS" link add "$port" type veth peer name "$ifn" netns "$ns"
    nip "$LAB_SW_NS" link set "$port" master "$LAB_SW_BRIDGE" up
    [[ -z "$mac" ]] || nip "$ns" link set "$ifn" address "$mac"
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
EXPECTED_DAEMONS=(dnsmasq listeners-h listeners-alt listeners-d snmpd-h)
for _s in $(csv "$LAB_SWITCHES"); do EXPECTED_DAEMONS+=("snmpd-$_s" "lldpd-$_s"); done; unset _s
EXPECTED_DAEMONS+=(snmpd-as snmpd-gw lldpd-as lldpd-gw)
EXPECTED_DAEMONS+=(sshd-ssh sshd-rotate sshd-bastion sshd-inner sinks delayline netcli)
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
    # extra interfaces for a 10-row ifTable: dummy where the kernel has it, else ifb
    # (both ARPHRD_ETHER, so ifType 6 either way; neither sends anything)
    local ifn type=dummy
    for ifn in $(csv "$LAB_HOST_EXTRA_IFS"); do
        if ! nip "$ns" link add "$ifn" type "$type" 2>/dev/null; then
            [[ $type == dummy ]] || die "cannot create interface $ifn (type $type) in $ns"
            type=ifb
            nip "$ns" link add "$ifn" type "$type"
        fi
        [[ ",$LAB_HOST_EXTRA_IFS_DOWN," == *",$ifn,"* ]] || nip "$ns" link set "$ifn" up
    done
    echo "$type" > "$RUN/h-extra-ifs.type"
    write_snmpd_conf snmpd-h "$LAB_HOST_NAME" "$LAB_HOST_SYSLOCATION"
}
start_h() {
    start_listeners "$LAB_HOST_NS" h $(csv "$LAB_OPEN_PORTS")
    spawn_snmpd snmpd-h "$LAB_HOST_NS"
}

# --- wsl-alt: behind client eth1, owns the overlapping 198.18.0.20 ---------
build_alt() {
    local ns=$LAB_ALT_NS
    # link created by build_c; ping_group_range deliberately left at "1 0"
    addr4 "$ns" eth0 "$LAB_ALT_V4/24"
    addr4 "$ns" eth0 "$LAB_ALT_OVERLAP_V4/32"
    nip "$ns" route add "$LAB_CLIENT_V4/32" dev eth0
}
start_alt() { start_listeners "$LAB_ALT_NS" alt "$LAB_ALT_PORT"; }

# --- wsl-dl + wsl-slow: a host behind a user-space delay line ---------------
# LAN br0 -- (lan) wsl-dl (wire) -- (eth0) wsl-slow. The line holds every frame for the
# milliseconds in $LAB_DELAY_FILE (this kernel has no netem).
build_slow() {
    local dl=$LAB_DELAY_NS
    ns_sysctl "$dl" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    nip "$LAB_SW_NS" link add p-dl type veth peer name lan netns "$dl"
    nip "$LAB_SW_NS" link set p-dl master "$LAB_SW_BRIDGE" up
    nip "$dl" link add wire type veth peer name eth0 netns "$LAB_SLOW_NS"
    nip "$dl" link set lan promisc on up
    nip "$dl" link set wire promisc on up
    nip "$LAB_SLOW_NS" addr add "$LAB_SLOW_V4/24" dev eth0
    nip "$LAB_SLOW_NS" -6 addr add "$LAB_SLOW_V6/64" dev eth0 nodad
    nip "$LAB_SLOW_NS" link set eth0 up
    echo 0 > "$LAB_DELAY_FILE"
}
start_slow() {
    spawn delayline "$LAB_DELAY_NS" "$PY" "$LAB_DIR/delayline.py" --a lan --b wire \
        --delay-file "$LAB_DELAY_FILE" --pid-file "$RUN/delayline.pid"
}

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
    # The far host keeps the kernel's default ICMP rate limits (one error per second per peer
    # after a small burst), as real hosts do: back-to-back UDP traces lose probes at its TTL.
    ns_sysctl "$ns" net.ipv4.icmp_ratelimit=1000 net.ipv6.icmp.ratelimit=1000 \
        net.ipv4.icmp_msgs_per_sec=1000 net.ipv4.icmp_msgs_burst=50
    addr4 "$ns" to-r3 "$LAB_R3_D_V4_B/30"; addr6 "$ns" to-r3 "$LAB_R3_D_V6_B/64"
    nip "$ns" addr add "$LAB_FAR_V4/32" dev lo
    nip "$ns" -6 addr add "$LAB_FAR_V6/128" dev lo nodad
    nip "$ns" route add local "$LAB_TRACE_NET" dev lo
    nip "$ns" route add default via "$LAB_R3_D_V4_A"
    nip "$ns" -6 route add default via "$LAB_R3_D_V6_A"
}
start_d() { start_listeners "$LAB_FAR_NS" d "$LAB_FAR_PORT"; }

# --- switches s1, s2, s3: snmpd (AgentX master) + lldpd (LLDP/CDP) ------------
# Names, addresses and MACs are LAB_S<n>_* in lab.env, the links LAB_SW_<link>_*.
sw()  { local v="LAB_${1^^}_$2"; printf '%s' "${!v}"; }     # sw s1 NS -> $LAB_S1_NS
swl() { local v="LAB_SW_${1}_$2"; printf '%s' "${!v}"; }    # swl S1_S2 PROTO -> $LAB_SW_S1_S2_PROTO
declare -A SW_IFS=() SW_CDP=() SW_NFT=()
# sw_expected_neighbours SWITCH -- one "LOCALIF PROTO REMOTENAME REMOTEPORT" line per link
sw_expected_neighbours() {
    local l a b p
    for l in $(csv "$LAB_SW_LINKS"); do
        a=$(swl "$l" A) b=$(swl "$l" B) p=$(swl "$l" PROTO)
        if [[ $p == cdp ]]; then p=CDPv2; else p=LLDP; fi
        if [[ ${a%%:*} == "$1" ]]; then echo "${a#*:} $p $(sw "${b%%:*}" LLDP_NAME) ${b#*:}"; fi
        if [[ ${b%%:*} == "$1" ]]; then echo "${b#*:} $p $(sw "${a%%:*}" LLDP_NAME) ${a#*:}"; fi
    done | sort
}
build_switches() {
    local s ns l a b sa sb ia ib p
    for s in $(csv "$LAB_SWITCHES"); do
        ns=$(sw "$s" NS)
        lan_attach "$ns" eth0 "$(sw "$s" LAN_V4)/24" "$(sw "$s" LAN_V6)/64" "$(sw "$s" ETH0_MAC)"
        SW_IFS[$s]="" SW_CDP[$s]="" SW_NFT[$s]=""
    done
    for l in $(csv "$LAB_SW_LINKS"); do
        a=$(swl "$l" A) b=$(swl "$l" B) p=$(swl "$l" PROTO)
        sa=${a%%:*} ia=${a#*:} sb=${b%%:*} ib=${b#*:}
        nip "$(sw "$sa" NS)" link add "$ia" address "$(sw "$sa" "${ia^^}_MAC")" type veth \
            peer name "$ib" address "$(sw "$sb" "${ib^^}_MAC")" netns "$(sw "$sb" NS)"
        addr4 "$(sw "$sa" NS)" "$ia" "$(swl "$l" V4_A)/30"; addr6 "$(sw "$sa" NS)" "$ia" "$(swl "$l" V6_A)/64"
        addr4 "$(sw "$sb" NS)" "$ib" "$(swl "$l" V4_B)/30"; addr6 "$(sw "$sb" NS)" "$ib" "$(swl "$l" V6_B)/64"
        nip "$(sw "$sa" NS)" link set "$ia" up
        nip "$(sw "$sb" NS)" link set "$ib" up
        SW_IFS[$sa]+=",$ia" SW_IFS[$sb]+=",$ib"
        case $p in
            lldp) ;;
            cdp)
                # lldpd's protocol switches are per daemon, not per port: the A end speaks
                # LLDP and CDP (-c: CDP once a CDP peer shows up), the B end forces CDPv2
                # (-ccccc; it goes out of all its ports, and its LLDP-only peers ignore it).
                # LLDP frames leaving either end of this link are dropped (nftables egress),
                # so neither end ever learns the other over LLDP.
                [[ -n ${SW_CDP[$sa]} ]] || SW_CDP[$sa]=-c
                SW_CDP[$sb]=-ccccc
                SW_NFT[$sa]+=" $ia" SW_NFT[$sb]+=" $ib" ;;
            *) die "LAB_SW_${l}_PROTO must be lldp or cdp (got '$p')" ;;
        esac
    done
    for s in $(csv "$LAB_SWITCHES"); do
        ns=$(sw "$s" NS)
        # neighbour entries: REACHABLE ones stay so for LAB_SW_NEIGH_REACHABLE_MS, STALE ones
        # are not garbage-collected for as long, DELAY -> PROBE after 1 s (not 5).  Per
        # interface: neigh/default is not per-netns (ns_sysctl would skip it).
        local kv=() ifn fam
        for ifn in eth0 $(tr ',' ' ' <<<"${SW_IFS[$s]}"); do
            for fam in ipv4 ipv6; do
                kv+=("net.$fam.neigh.$ifn.base_reachable_time_ms=$LAB_SW_NEIGH_REACHABLE_MS"
                     "net.$fam.neigh.$ifn.gc_stale_time=$((LAB_SW_NEIGH_REACHABLE_MS / 1000))"
                     "net.$fam.neigh.$ifn.delay_first_probe_time=1")
            done
        done
        ns_sysctl "$ns" "${kv[@]}"
        if [[ -n ${SW_NFT[$s]} ]]; then
            {
                echo "table netdev wsl {"
                for ia in ${SW_NFT[$s]}; do
                    printf '    chain no-lldp-%s {\n' "$ia"
                    printf '        type filter hook egress device "%s" priority filter; policy accept;\n' "$ia"
                    printf '        ether type 0x88cc drop\n    }\n'
                done
                echo "}"
            } > "$RUN/$s.nft"
            nx "$ns" nft -f "$RUN/$s.nft"
        fi
        write_snmpd_conf "snmpd-$s" "$(sw "$s" SYSNAME)" "$(sw "$s" SYSLOCATION)" \
            "$RUN/snmpd-$s.agentx" "$(sw "$s" DESCR)"
        # real linkDown/linkUp notifications to the client's trap port: net-snmp's own
        # `linkUpDownNotifications` monitors, polled every LAB_TRAP_POLL_S instead of 60 s
        {
            echo "iquerySecName $LAB_SNMP_V3_NOAUTH_USER"
            echo "trap2sink $LAB_CLIENT_V4:$LAB_TRAP_PORT $LAB_TRAP_COMMUNITY"
            echo "monitor -r $LAB_TRAP_POLL_S -S -e _linkUp \"wslLinkUp\" .1.3.6.1.2.1.2.2.1.8 != 2"
            echo "monitor -r $LAB_TRAP_POLL_S -S -e _linkDown \"wslLinkDown\" .1.3.6.1.2.1.2.2.1.8 == 2"
        } >> "$RUN/snmpd-$s.conf"
        cat > "$RUN/lldpd-$s.conf" <<EOF
# generated by lab/lab.sh -- do not edit (lldpd runs lldpcli on it at start)
configure system hostname $(sw "$s" LLDP_NAME)
configure system description $(sw "$s" DESCR)
configure system platform $LAB_LLDP_PLATFORM
configure system capabilities enabled $LAB_LLDP_CAPABILITIES
configure lldp tx-interval $LAB_LLDP_TX_INTERVAL
configure lldp tx-hold $LAB_LLDP_TX_HOLD
configure lldp portidsubtype ifname
EOF
    done
}
# link_local NS IF -- the fe80:: address of IF in NS
link_local() { nip "$1" -6 -o addr show dev "$2" scope link | awk '{print $4}' | cut -d/ -f1 | head -n1; }
# sw_neigh_targets SWITCH -- "ADDR LOCALIF" for every neighbour the switch must have: on each
# link the peer's v4, v6 and fe80:: addresses, on eth0 the client's
sw_neigh_targets() {
    local s=$1 l a b
    for l in $(csv "$LAB_SW_LINKS"); do
        a=$(swl "$l" A) b=$(swl "$l" B)
        if [[ ${a%%:*} == "$s" ]]; then
            echo "$(swl "$l" V4_B) ${a#*:}"; echo "$(swl "$l" V6_B) ${a#*:}"
            echo "$(link_local "$(sw "${b%%:*}" NS)" "${b#*:}") ${a#*:}"
        fi
        if [[ ${b%%:*} == "$s" ]]; then
            echo "$(swl "$l" V4_A) ${b#*:}"; echo "$(swl "$l" V6_A) ${b#*:}"
            echo "$(link_local "$(sw "${a%%:*}" NS)" "${a#*:}") ${b#*:}"
        fi
    done
    echo "$LAB_CLIENT_V4 eth0"; echo "$LAB_CLIENT_V6 eth0"
    echo "$(link_local "$LAB_CLIENT_NS" "$LAB_CLIENT_IF") eth0"
}
# Fill the switches' neighbour (ARP/ND) tables: every switch pings each of its targets, so
# every entry is one it resolved itself (REACHABLE).  The fe80:: ones matter too: a peer's
# later probe (from its link-local address) then refreshes an entry instead of adding one,
# and the tables do not change after `up`.
fill_switch_neighbours() {
    local s addr ifn
    for s in $(csv "$LAB_SWITCHES"); do
        while read -r addr ifn; do
            nx "$(sw "$s" NS)" ping -q -c1 -i0.2 -w3 -I "$ifn" "$addr" >/dev/null 2>&1 ||
                warn "$s: no ping reply from $addr on $ifn"
        done < <(sw_neigh_targets "$s")
    done
}
start_switches() { # snmpd only; lldpd needs its AgentX socket: start_lldpd, after wait_ready
    local s
    for s in $(csv "$LAB_SWITCHES"); do spawn_snmpd "snmpd-$s" "$(sw "$s" NS)"; done
}
start_lldpd() {
    local s ns name
    [[ -d /run/lldpd ]] || : > "$RUN/lldpd-chroot-created"    # lldpd's privsep chroot
    for s in $(csv "$LAB_SWITCHES"); do
        ns=$(sw "$s" NS) name=lldpd-$s
        # -dd: foreground, log to stderr.  -C: the chassis id is the MAC of the switch's
        # first link interface (swp1); lldpd only considers the interfaces it runs on.
        # shellcheck disable=SC2086  # SW_CDP is empty or one flag
        spawn "$name" "$ns" lldpd -dd ${SW_CDP[$s]} -I "${SW_IFS[$s]#,}" -C "$(cut -d, -f2 <<<"${SW_IFS[$s]}")" \
            -m "$(sw "$s" LAN_V4),$(sw "$s" LAN_V6)" -X "unix:$RUN/snmpd-$s.agentx" \
            -u "$RUN/$name.ctl" -O "$RUN/$name.conf"
    done
    # the access switch's and the router's, on the trunk between them
    spawn lldpd-as "$LAB_AS_NS" lldpd -dd -I "uplink$LAB_VLAN_A,uplink$LAB_VLAN_B" -m "$LAB_AS_LAN_V4" \
        -X "unix:$RUN/snmpd-as.agentx" -u "$RUN/lldpd-as.ctl" -O "$RUN/lldpd-as.conf"
    spawn lldpd-gw "$LAB_GW_NS" lldpd -dd -I "trunk$LAB_VLAN_A,trunk$LAB_VLAN_B" -m "$LAB_GW_LAN_V4" \
        -X "unix:$RUN/snmpd-gw.agentx" -u "$RUN/lldpd-gw.ctl" -O "$RUN/lldpd-gw.conf"
    for s in $(csv "$LAB_SWITCHES"); do lldpd_ready "lldpd-$s" "$(sw "$s" LLDP_NAME)"; done
    lldpd_ready lldpd-as "$LAB_AS_LLDP_NAME"
    lldpd_ready lldpd-gw "$LAB_GW_LLDP_NAME"
}
# lldpd_ready NAME HOSTNAME -- lldpd writes no pid file in the foreground: write it once the
# control socket answers with our configuration (lldpd stays paused until lldpcli applied it)
lldpd_ready() {
    local name=$1 host=$2 i
    for ((i = 0; ; i++)); do
        if lldpcli -u "$RUN/$name.ctl" -f keyvalue show configuration 2>/dev/null |
            grep -qx "configuration.config.hostname=$host"; then
            pid_cmd_matches "${SPAWNED[$name]}" lldpd || die "$name: pid ${SPAWNED[$name]} is not lldpd"
            echo "${SPAWNED[$name]}" > "$RUN/$name.pid"
            return 0
        fi
        if ((i >= 100)) || ! pid_alive "${SPAWNED[$name]}"; then
            die "$name did not start; $RUN/$name.log says: $(tail -n5 "$RUN/$name.log" 2>/dev/null)"
        fi
        sleep 0.1
    done
}

# --- the access switch wsl-as (a VLAN-aware bridge), its router wsl-gw, hosts behind it ----
ah() { local v="LAB_${1^^}_$2"; printf '%s' "${!v}"; }      # ah ha PORT -> $LAB_HA_PORT
vlan_of() { local v="LAB_VLAN_$1${2:-}"; printf '%s' "${!v}"; }  # vlan_of A -> 20; vlan_of A _GW_V4
build_access() {
    local as=$LAB_AS_NS gw=$LAB_GW_NS h ns port vid tag bridges=()
    lan_attach "$as" eth0 "$LAB_AS_LAN_V4/24" "$LAB_AS_LAN_V6/64" "$LAB_AS_ETH0_MAC"
    lan_attach "$gw" eth0 "$LAB_GW_LAN_V4/24" "$LAB_GW_LAN_V6/64" "$LAB_GW_ETH0_MAC"
    for tag in A B; do
        vid=$(vlan_of "$tag")
        # learnt entries kept a day (the tests may run long after `up`)
        nip "$as" link add "br$vid" type bridge ageing_time 8640000
        nip "$as" link set "br$vid" up
        nip "$as" link add "uplink$vid" type veth peer name "trunk$vid" netns "$gw"
        nip "$as" link set "uplink$vid" master "br$vid" up
        nip "$gw" link set "trunk$vid" up
        addr4 "$gw" "trunk$vid" "$(vlan_of "$tag" _GW_V4)/24"
        bridges+=("br$vid=$vid")
    done
    for h in $(csv "$LAB_ACCESS_HOSTS"); do
        ns=$(ah "$h" NS) port=$(ah "$h" PORT) tag=$(ah "$h" VLAN)
        nip "$as" link add "$port" type veth peer name eth0 netns "$ns"
        nip "$ns" link set eth0 address "$(ah "$h" MAC)" up
        nip "$as" link set "$port" alias "$(ah "$h" ALIAS)"
        nip "$as" link set "$port" master "br$(vlan_of "$tag")" up
        addr4 "$ns" eth0 "$(ah "$h" V4)/24"
        nip "$ns" route add default via "$(vlan_of "$tag" _GW_V4)"
    done
    write_snmpd_conf snmpd-as "$LAB_AS_SYSNAME" wirescope-lab-access "$RUN/snmpd-as.agentx"
    {
        echo "pass_persist .1.3.6.1.2.1.17 $PY $LAB_DIR/bridge_mib.py ${bridges[*]}"
        echo "pass_persist .1.3.6.1.2.1.31.1.1.1.18 $PY $LAB_DIR/bridge_mib.py ifalias"
    } >> "$RUN/snmpd-as.conf"
    write_snmpd_conf snmpd-gw "$LAB_GW_SYSNAME" wirescope-lab-access "$RUN/snmpd-gw.agentx"
    for h in as gw; do
        printf '%s\n' "# generated by lab/lab.sh -- do not edit (lldpd runs lldpcli on it at start)" \
            "configure system hostname $(ah "$h" LLDP_NAME)" \
            "configure lldp tx-interval $LAB_LLDP_TX_INTERVAL" \
            "configure lldp portidsubtype ifname" > "$RUN/lldpd-$h.conf"
    done
}
start_access() { spawn_snmpd snmpd-as "$LAB_AS_NS"; spawn_snmpd snmpd-gw "$LAB_GW_NS"; }
# fill_access -- every host pings its gateway: the bridge learns each host on its port and the
# router on the uplink, the router learns each host's MAC
fill_access() {
    local h
    for h in $(csv "$LAB_ACCESS_HOSTS"); do
        nx "$(ah "$h" NS)" ping -q -c1 -w3 "$(vlan_of "$(ah "$h" VLAN)" _GW_V4)" >/dev/null 2>&1 ||
            warn "$h: no ping reply from its gateway"
    done
}
# lldp_neighbours CTL -- "LOCALIF PROTO REMOTENAME REMOTEPORT" per neighbour, sorted
lldp_neighbours() {
    lldpcli -u "$1" -f keyvalue show neighbors 2>/dev/null | awk -F= '
        match($1, /^lldp\.[^.]+\./) { i = substr($1, 6, RLENGTH - 6); k = substr($1, RLENGTH + 1) }
        k == "via" { n++; via[n] = $2; ifn[n] = i }
        k == "chassis.name" { name[n] = $2 }
        k == "port.ifname" { port[n] = $2 }
        END { for (j = 1; j <= n; j++) print ifn[j], via[j], name[j], port[j] }' | sort
}
# sw_neigh_unsettled SWITCH -- why its ARP/ND table is not settled yet: a target of
# fill_switch_neighbours not REACHABLE, or any other entry (a stray one or a transient state)
sw_neigh_unsettled() {
    local s=$1 table addr ifn out="" n=0
    table=$(nx "$(sw "$s" NS)" ip neigh show)
    while read -r addr ifn; do
        n=$((n + 1))
        grep -Eq "^$addr dev $ifn lladdr [0-9a-f:]+ REACHABLE *\$" <<<"$table" || out+="$addr dev $ifn not REACHABLE; "
    done < <(sw_neigh_targets "$s")
    (($(grep -c . <<<"$table") == n)) || out+="$(grep -c . <<<"$table") entries, want $n: $(tr '\n' ';' <<<"$table")"
    printf '%s' "$out"
}
SW_READY_TIMEOUT=20
# wait until every switch shows exactly the expected LLDP/CDP neighbours in lldpcli and
# (asked from the client) in lldpRemSysName, and its ARP/ND entries are all REACHABLE
wait_switches() {
    local s want got bad snmp_want snmp_got unsettled t0=$SECONDS
    while :; do
        bad=""
        for s in $(csv "$LAB_SWITCHES"); do
            want=$(sw_expected_neighbours "$s")
            got=$(lldp_neighbours "$RUN/lldpd-$s.ctl")
            if [[ "$got" != "$want" ]]; then
                bad+=$'\n'"  $s: lldpcli shows [$(tr '\n' ';' <<<"$got")], want [$(tr '\n' ';' <<<"$want")]"
                continue
            fi
            snmp_want=$(awk '{print $3}' <<<"$want" | sort | tr '\n' ' ')
            snmp_got=$(nx "$LAB_CLIENT_NS" "${SNMP_ENV[@]}" snmpbulkwalk -v2c -c "$LAB_SNMP_COMMUNITY" \
                -r0 -t1 -On -Oqv "$(sw "$s" LAN_V4)" 1.0.8802.1.1.2.1.4.1.1.9 2>/dev/null |
                tr -d '"' | sort | tr '\n' ' ')
            [[ "$snmp_got" == "$snmp_want" ]] ||
                bad+=$'\n'"  $s: lldpRemSysName over SNMP is [$snmp_got], want [$snmp_want]"
            unsettled=$(sw_neigh_unsettled "$s")
            [[ -z "$unsettled" ]] || bad+=$'\n'"  $s: neighbour entries: $unsettled"
        done
        if [[ -z "$bad" ]]; then
            log "switches: LLDP/CDP neighbours and ARP/ND entries ready after $((SECONDS - t0))s"
            return 0
        fi
        ((SECONDS - t0 < SW_READY_TIMEOUT)) || break
        sleep 0.2
    done
    die "switch neighbours not ready within ${SW_READY_TIMEOUT}s:$bad"
}

# --- SSH: wsl-ssh (many addresses + the rotated host), wsl-bastion, wsl-inner ------------
SSH_DIR="$RUN/ssh"
build_ssh() {
    local ns=$LAB_SSH_NS batch="$RUN/ssh-addrs.batch" i a b c d
    lan_attach "$ns" eth0 "$LAB_SSH_V4/24" "$LAB_SSH_V6/64"
    IFS=. read -r a b c d <<<"$LAB_SSH_MANY_FIRST"
    {
        for ((i = 0; i < LAB_SSH_MANY_COUNT; i++)); do
            echo "address add $a.$b.$c.$((d + i))/32 dev lo"
        done
        for i in $(netcli_addresses); do echo "address add $i/32 dev lo"; done
    } > "$batch"
    nip "$ns" -batch "$batch"
    nip "$LAB_CLIENT_NS" route add "$LAB_SSH_MANY_NET" via "$LAB_SSH_V4"
    # the bastion: LAN leg plus a private /30 to the inner host (no forwarding, no route
    # from the client): the inner host is reachable only through an SSH jump
    lan_attach "$LAB_SSH_BASTION_NS" eth0 "$LAB_SSH_BASTION_V4/24" "$LAB_SSH_BASTION_V6/64"
    p2p "$LAB_SSH_BASTION_NS" eth1 "$LAB_SSH_INNER_NS" eth0
    addr4 "$LAB_SSH_BASTION_NS" eth1 "$LAB_SSH_INNER_LINK_V4_A/30"
    addr4 "$LAB_SSH_INNER_NS" eth0 "$LAB_SSH_INNER_V4/30"
    # the bastion also reaches wsl-ssh's 200 addresses (batches through a jump host)
    nip "$LAB_SSH_BASTION_NS" route add "$LAB_SSH_MANY_NET" via "$LAB_SSH_V4"
}
# ssh_users -- the lab's login accounts; refuses to touch an account it did not make
ssh_users() {
    local u pw gecos
    for u in "$LAB_SSH_PW_USER" "$LAB_SSH_KBD_USER" "$LAB_SSH_KEY_USER"; do
        if getent passwd "$u" >/dev/null; then
            gecos=$(getent passwd "$u" | cut -d: -f5)
            [[ "$gecos" == "$LAB_SSH_GECOS" ]] || die "account $u exists and is not the lab's (GECOS '$gecos')"
            usermod -d "$SSH_DIR/home/$u" "$u"
        else
            useradd -r -M -c "$LAB_SSH_GECOS" -d "$SSH_DIR/home/$u" -s /bin/sh "$u"
        fi
        install -d -o "$u" -m 755 "$SSH_DIR/home/$u"
    done
    printf '%s:%s\n%s:%s\n' "$LAB_SSH_PW_USER" "$LAB_SSH_PW_PASSWORD" \
        "$LAB_SSH_KBD_USER" "$LAB_SSH_KBD_PASSWORD" | chpasswd
    usermod -p '*' "$LAB_SSH_KEY_USER"      # no password, but not locked: keys only
}
ssh_users_remove() {
    local u
    for u in "$LAB_SSH_PW_USER" "$LAB_SSH_KBD_USER" "$LAB_SSH_KEY_USER"; do
        [[ "$(getent passwd "$u" | cut -d: -f5)" == "$LAB_SSH_GECOS" ]] || continue
        userdel "$u" 2>/dev/null || warn "could not remove account $u"
    done
}
# write_sshd_conf NAME HOSTKEY LISTEN... -> $SSH_DIR/NAME.conf
write_sshd_conf() {
    local name=$1 key=$2 l; shift 2
    {
        echo "# generated by lab/lab.sh -- do not edit"
        for l in "$@"; do echo "ListenAddress $l"; done
        echo "HostKey $key"
        echo "PidFile $RUN/$name.pid"
        echo "AuthorizedKeysFile $SSH_DIR/authorized_keys/%u"
        echo "AllowUsers $LAB_SSH_PW_USER $LAB_SSH_KBD_USER $LAB_SSH_KEY_USER"
        echo "UsePAM yes"
        echo "KbdInteractiveAuthentication yes"
        echo "PasswordAuthentication yes"
        echo "PubkeyAuthentication yes"
        echo "PermitRootLogin no"
        echo "StrictModes no"
        echo "UseDNS no"
        echo "PrintMotd no"
        echo "PrintLastLog no"
        echo "X11Forwarding no"
        echo "AllowTcpForwarding yes"
        echo "MaxStartups 1000"
        echo "MaxSessions 64"
        echo "LoginGraceTime 30"
        echo "Match User $LAB_SSH_PW_USER"
        echo "    AuthenticationMethods password"
        echo "Match User $LAB_SSH_KBD_USER"
        echo "    AuthenticationMethods keyboard-interactive"
        echo "Match User $LAB_SSH_KEY_USER"
        echo "    AuthenticationMethods publickey"
    } > "$SSH_DIR/$name.conf"
}
spawn_sshd() { # NAME NS
    spawn "$1" "$2" /usr/sbin/sshd -D -e -f "$SSH_DIR/$1.conf"
}
start_ssh() {
    local k
    mkdir -p "$SSH_DIR/authorized_keys" "$LAB_SSH_KEY_DIR"
    # sshd's privilege-separation directory (Debian's package makes it at boot)
    if [[ ! -d /run/sshd ]]; then install -d -m 755 /run/sshd; touch "$RUN/sshd-privsep-created"; fi
    ssh_users
    ssh-keygen -q -t ed25519 -N '' -C wsl-ssh -f "$SSH_DIR/host-ssh_ed25519"
    ssh-keygen -q -t ed25519 -N '' -C wsl-rotate -f "$SSH_DIR/host-rotate_ed25519"
    ssh-keygen -q -t ecdsa -b 256 -N '' -C wsl-bastion -f "$SSH_DIR/host-bastion_ecdsa"
    ssh-keygen -q -t rsa -b 2048 -N '' -C wsl-inner -f "$SSH_DIR/host-inner_rsa"
    ssh-keygen -q -t ed25519 -N '' -C wsl-key -f "$LAB_SSH_KEY_DIR/id_ed25519"
    ssh-keygen -q -t ecdsa -b 256 -N '' -C wsl-key -f "$LAB_SSH_KEY_DIR/id_ecdsa"
    ssh-keygen -q -t rsa -b 2048 -N '' -C wsl-key -f "$LAB_SSH_KEY_DIR/id_rsa"
    ssh-keygen -q -t ed25519 -N "$LAB_SSH_KEY_PASSPHRASE" -C wsl-key-pass -f "$LAB_SSH_KEY_DIR/id_ed25519_pass"
    for k in id_ed25519 id_ecdsa id_rsa id_ed25519_pass; do cat "$LAB_SSH_KEY_DIR/$k.pub"; done \
        > "$SSH_DIR/authorized_keys/$LAB_SSH_KEY_USER"
    write_sshd_conf sshd-ssh "$SSH_DIR/host-ssh_ed25519" "0.0.0.0:$LAB_SSH_PORT_REAL" "[::]:$LAB_SSH_PORT_REAL"
    write_sshd_conf sshd-rotate "$SSH_DIR/host-rotate_ed25519" "$LAB_SSH_V4:$LAB_SSH_ROTATE_PORT"
    write_sshd_conf sshd-bastion "$SSH_DIR/host-bastion_ecdsa" "0.0.0.0:$LAB_SSH_PORT_REAL" "[::]:$LAB_SSH_PORT_REAL"
    write_sshd_conf sshd-inner "$SSH_DIR/host-inner_rsa" "$LAB_SSH_INNER_V4:$LAB_SSH_PORT_REAL"
    spawn_sshd sshd-ssh "$LAB_SSH_NS"
    spawn_sshd sshd-rotate "$LAB_SSH_NS"
    spawn_sshd sshd-bastion "$LAB_SSH_BASTION_NS"
    spawn_sshd sshd-inner "$LAB_SSH_INNER_NS"
}
# the emulated network CLIs' named devices (lab.env LAB_NETCLI_*_V4)
netcli_addresses() {
    local v
    for v in IOS NXOS EOS JUNOS HP ROS VRP MUTE SLOW PUSH PUSHJ PUSHV; do v="LAB_NETCLI_${v}_V4"; echo "${!v}"; done
}
# netcli_bin -- the emulator: LAB_NETCLI_BIN, or built from this workspace (cargo, as needed)
netcli_bin() {
    local root target
    if [[ -n "${LAB_NETCLI_BIN:-}" ]]; then
        [[ -x "$LAB_NETCLI_BIN" ]] || die "LAB_NETCLI_BIN=$LAB_NETCLI_BIN is not an executable"
        echo "$LAB_NETCLI_BIN"; return 0
    fi
    root=$(cd "$LAB_DIR/.." && pwd)
    (cd "$root" && cargo build -q -p wirescope-lab-netcli) >&2 || die "cannot build wirescope-lab-netcli (cargo build -p wirescope-lab-netcli)"
    target=$(cd "$root" && cargo metadata --format-version 1 --no-deps | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    echo "$target/debug/wirescope-lab-netcli"
}
start_netcli() {
    local bin conf="$SSH_DIR/netcli.json"
    bin=$(netcli_bin)
    rm -f "$SSH_DIR/host-netcli_ed25519" "$SSH_DIR/host-netcli_ed25519.pub"
    ssh-keygen -q -t ed25519 -N '' -C wsl-netcli -f "$SSH_DIR/host-netcli_ed25519"
    "$PY" - "$conf" <<PYEOF
import json, sys
dev = lambda addr, platform, host, **kw: dict(address=addr, platform=platform, hostname=host, **kw)
json.dump({
    "listen": ["[::]:$LAB_NETCLI_PORT"],
    "host_key": "$SSH_DIR/host-netcli_ed25519",
    "user": "$LAB_NETCLI_USER", "password": "$LAB_NETCLI_PASSWORD",
    "enable_secret": "$LAB_NETCLI_ENABLE",
    "default": {"platform": "cisco_ios", "config_lines": $LAB_NETCLI_BENCH_LINES, "ssh_id": "SSH-2.0-Cisco-1.25"},
    "devices": [
        dev("$LAB_NETCLI_IOS_V4", "cisco_ios", "ios1", ssh_id="SSH-2.0-Cisco-1.25",
            motd="ios1: authorised access only"),
        dev("$LAB_NETCLI_NXOS_V4", "cisco_nxos", "nx1", motd="Cisco Nexus Operating System (NX-OS) Software"),
        dev("$LAB_NETCLI_EOS_V4", "arista_eos", "eos1", exec=True),
        dev("$LAB_NETCLI_JUNOS_V4", "juniper_junos", "junos1", motd="--- JUNOS 21.4R3-S4.9 Kernel 64-bit"),
        dev("$LAB_NETCLI_HP_V4", "hp_procurve", "hp1", motd="HP J9729A 2920-48G-POE+ Switch\nSoftware revision WB.16.10.0012"),
        dev("$LAB_NETCLI_ROS_V4", "mikrotik_routeros", "ros1", motd="  MikroTik RouterOS 7.12.1 (c) 1999-2023"),
        dev("$LAB_NETCLI_VRP_V4", "huawei_vrp", "vrp1", motd="Info: The max number of VTY users is 10."),
        dev("$LAB_NETCLI_MUTE_V4", "cisco_ios", "mute1", prompt=False, motd="mute1: authorised access only"),
        dev("$LAB_NETCLI_SLOW_V4", "cisco_ios", "slow1", slow_ms=20, login_delay_ms=300, ignore_paging=True),
        dev("$LAB_NETCLI_PUSH_V4", "cisco_ios", "push1"),
        dev("$LAB_NETCLI_PUSHJ_V4", "juniper_junos", "push2"),
        dev("$LAB_NETCLI_PUSHV_V4", "huawei_vrp", "push3"),
    ],
}, open(sys.argv[1], "w"), indent=1)
PYEOF
    rm -f "$RUN/netcli.pid"
    spawn netcli "$LAB_SSH_NS" sh -c 'echo $$ > "$1"; exec "$2" "$3"' netcli "$RUN/netcli.pid" "$bin" "$conf"
}
# cmd_netcli_restart -- the emulated CLIs again (LAB_NETCLI_BIN, e.g. a release build for the
# benchmarks), their configurations as generated and a new host key
cmd_netcli_restart() {
    require_root
    local pid i
    pick_python
    pid=$(head -n1 "$RUN/netcli.pid" 2>/dev/null || true)
    [[ "$pid" =~ ^[0-9]+$ ]] && pid_cmd_matches "$pid" wirescope-lab-netcli || die "netcli is not running (lab up?)"
    kill "$pid"
    for ((i = 0; i < 50; i++)); do pid_alive "$pid" || break; sleep 0.1; done
    start_netcli
    wait_ready netcli
}
# ssh_host_fp ADDR PORT -- SHA256 fingerprint of the host key served there, seen from the client
ssh_host_fp() {
    nx "$LAB_CLIENT_NS" ssh-keyscan -T 2 -p "$2" "$1" 2>/dev/null | ssh-keygen -l -f - 2>/dev/null |
        awk '{print $2}' | head -n1
}
cmd_ssh_rotate() { # replace the rotated host's key; prints the new fingerprint once it is served
    require_root
    local pid new i
    pid=$(head -n1 "$RUN/sshd-rotate.pid" 2>/dev/null || true)
    [[ "$pid" =~ ^[0-9]+$ ]] && pid_cmd_matches "$pid" sshd || die "sshd-rotate is not running (lab up?)"
    rm -f "$SSH_DIR/host-rotate_ed25519.new" "$SSH_DIR/host-rotate_ed25519.new.pub"
    ssh-keygen -q -t ed25519 -N '' -C wsl-rotate -f "$SSH_DIR/host-rotate_ed25519.new"
    new=$(ssh-keygen -l -f "$SSH_DIR/host-rotate_ed25519.new.pub" | awk '{print $2}')
    mv -f "$SSH_DIR/host-rotate_ed25519.new" "$SSH_DIR/host-rotate_ed25519"
    mv -f "$SSH_DIR/host-rotate_ed25519.new.pub" "$SSH_DIR/host-rotate_ed25519.pub"
    kill -HUP "$pid"
    for ((i = 0; i < 50; i++)); do
        [[ "$(ssh_host_fp "$LAB_SSH_V4" "$LAB_SSH_ROTATE_PORT")" == "$new" ]] && { echo "$new"; return 0; }
        sleep 0.1
    done
    die "sshd-rotate does not serve the new key $new after 5 s"
}

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
# start_sinks -- the webhook and SMTP sinks (sinks.py), on 127.0.0.1 of the root namespace
# where the tests' servers run: listening sockets only, no interface or route changes
start_sinks() {
    local name=sinks
    rm -f "$RUN/$name.pid"
    ( exec setsid "$PY" "$LAB_DIR/sinks.py" --dir "$LAB_SINK_DIR" --http-port "$LAB_WEBHOOK_PORT" \
        --smtp-port "$LAB_SMTP_SINK_PORT" --pid-file "$RUN/$name.pid" </dev/null >>"$RUN/$name.log" 2>&1 9<&- ) &
    SPAWNED[$name]=$!
    DAEMONS+=("$name")
}
# start_snmpsim -- snmpsim serving the recorded vendor walks on 127.0.0.1 of the root
# namespace (a listening socket only); its pid is the one of the exec'd subshell
start_snmpsim() {
    local name=snmpsim bin="$LAB_SNMPSIM_VENV/bin/snmpsim-command-responder"
    [[ -x "$bin" ]] || die "$bin is missing (snmpsim from PyPI: sudo bash lab/lab.sh deps)"
    rm -f "$RUN/$name.pid"
    ( exec env SNMPSIM_ALLOW_ROOT=true setsid "$bin" --data-dir="$LAB_DIR/../$LAB_SNMPSIM_DATA" \
        --agent-udpv4-endpoint="127.0.0.1:$LAB_SNMPSIM_PORT" --cache-dir="$RUN/snmpsim-cache" \
        </dev/null >>"$RUN/$name.log" 2>&1 9<&- ) &
    SPAWNED[$name]=$!
    echo "$!" > "$RUN/$name.pid"
    DAEMONS+=("$name")
}
wait_snmpsim() { # its first recording answers sysName
    local t0=$SECONDS
    while ((SECONDS - t0 < 30)); do
        snmpget -v2c -c cisco-ios -t 1 -r 0 "127.0.0.1:$LAB_SNMPSIM_PORT" 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    die "snmpsim does not answer on 127.0.0.1:$LAB_SNMPSIM_PORT within 30 s: $(tail -n5 "$RUN/snmpsim.log" 2>/dev/null)"
}
# start_listeners NS NAME PORT... -- listeners.py; ready when its pid file exists
start_listeners() {
    local ns=$1 name=listeners-$2; shift 2
    spawn "$name" "$ns" "$PY" "$LAB_DIR/listeners.py" --name "${name#listeners-}" \
        --pid-file "$RUN/$name.pid" "$@"
}
# write_snmpd_conf NAME SYSNAME SYSLOCATION [AGENTX_SOCKET [SYSDESCR]] -> $RUN/NAME.conf
write_snmpd_conf() {
    local name=$1 sysname=$2 location=$3 agentx=${4:-} descr=${5:-} u tag v level
    {
        echo "# generated by lab/lab.sh -- do not edit"
        echo "agentAddress udp:$LAB_SNMP_PORT,udp6:$LAB_SNMP_PORT"
        echo "sysName $sysname"
        echo "sysLocation $location"
        echo "sysContact $LAB_SNMP_SYSCONTACT"
        [[ -z "$descr" ]] || echo "sysDescr $descr"
        echo "dontLogTCPWrappersConnects yes"
        echo "rocommunity $LAB_SNMP_COMMUNITY default"
        echo "rocommunity6 $LAB_SNMP_COMMUNITY default"
        if [[ -n "$agentx" ]]; then
            echo "master agentx"
            echo "agentXSocket unix:$agentx"
        fi
        # v3 users (snmpd turns createUser into localized usmUser lines in SNMP_PERSISTENT_DIR)
        for u in $(csv "$LAB_SNMP_V3_USERS"); do
            tag=${u#"$LAB_PREFIX"}; tag=${tag^^}; tag=${tag//-/_}     # wsl-md5-des -> MD5_DES
            v=LAB_SNMP_V3_${tag}_USER
            [[ "${!v:-}" == "$u" ]] || die "lab.env: $v must be $u"
            v=LAB_SNMP_V3_${tag}_LEVEL; level=${!v:-}
            case $level in
                authPriv) v=LAB_SNMP_V3_${tag}_
                    local a=${v}AUTH ap=${v}AUTH_PASS p=${v}PRIV pp=${v}PRIV_PASS
                    echo "createUser $u ${!a} ${!ap} ${!p} ${!pp}"
                    echo "rouser $u priv" ;;
                authNoPriv) v=LAB_SNMP_V3_${tag}_
                    local a=${v}AUTH ap=${v}AUTH_PASS
                    echo "createUser $u ${!a} ${!ap}"
                    echo "rouser $u auth" ;;
                noAuthNoPriv)
                    echo "createUser $u"
                    echo "rouser $u noauth" ;;
                *) die "lab.env: LAB_SNMP_V3_${tag}_LEVEL is '$level'" ;;
            esac
        done
    } > "$RUN/$name.conf"
}
# spawn_snmpd NAME NS -- snmpd in the foreground; it writes its pid file once its ports are open
spawn_snmpd() {
    local name=$1 ns=$2
    mkdir -p "$RUN/$name.d"
    spawn "$name" "$ns" env MIBS= SNMP_PERSISTENT_DIR="$RUN/$name.d" snmpd -f -C -c "$RUN/$name.conf" \
        -p "$RUN/$name.pid" -Lf "$RUN/$name.log" -I -smux
}
# snmp_sysname ADDR -- sysName.0 of the agent at ADDR, asked from the client over v2c
snmp_sysname() {
    nx "$LAB_CLIENT_NS" "${SNMP_ENV[@]}" snmpget -v2c -c "$LAB_SNMP_COMMUNITY" -r0 -t1 -On -Oqv \
        "$1" 1.3.6.1.2.1.1.5.0 2>/dev/null | tr -d '"'
}
wait_snmp() { # every agent answers with its sysName, asked from the client
    local s pending t0=$SECONDS
    while :; do
        pending=""
        [[ "$(snmp_sysname "$LAB_MANY_FIRST")" == "$LAB_HOST_NAME" ]] || pending+=" snmpd-h@$LAB_MANY_FIRST"
        for s in $(csv "$LAB_SWITCHES"); do
            [[ "$(snmp_sysname "$(sw "$s" LAN_V4)")" == "$(sw "$s" SYSNAME)" ]] ||
                pending+=" snmpd-$s@$(sw "$s" LAN_V4)"
        done
        [[ -z "$pending" ]] && return 0
        ((SECONDS - t0 < 10)) || break
        sleep 0.1
    done
    die "SNMP agents do not answer their sysName from $LAB_CLIENT_NS within 10 s:$pending"
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
    local h access=""
    for h in $(csv "$LAB_ACCESS_HOSTS"); do
        access+="host-record=$h.$d,$(ah "$h" V4)"$'\n'
    done
    local word intl=""
    for word in ${LAB_DNS_INTL_WORDS//,/ }; do
        intl+="txt-record=$LAB_DNS_INTL_NAME,\"$word\""$'\n'
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
# the hosts behind the access switch (wsl-as), for locate NAME
${access}cname=www.$d,$LAB_HOST_NAME
mx-host=$d,mail.$d,10
txt-record=$d,"v=wirescope-lab"
srv-host=_ssh._tcp.$d,$LAB_HOST_NAME,$LAB_SSH_PORT,0,5
caa-record=$d,0,issue,letsencrypt.org
# NS (type 2) via raw RR; dnsmasq only serves NS natively in auth mode
dns-rr=$d,2,$(hex_dns_name "ns.$d")
# big TXT: one RR per string (dnsmasq config lines are limited to ~1024 chars)
$big
# right-to-left and CJK TXT answers
$intl
EOF
}

# ------------------------------------------------------------------ PostgreSQL
# pg_bin -- the newest installed server's bin directory
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }
# start_pg -- a fresh cluster in $LAB_PG_DIR, as the postgres user, on a Unix socket only (the
# server must not inherit fd 9, this script's lock, or every later lab.sh would wait for it)
start_pg() {
    local bin; bin=$(pg_bin)
    [[ -x "$bin/initdb" ]] || die "PostgreSQL is not installed (postgresql: sudo bash lab/lab.sh deps)"
    id "$LAB_PG_USER" >/dev/null 2>&1 || die "no user $LAB_PG_USER (postgresql: sudo bash lab/lab.sh deps)"
    mkdir -p "$LAB_PG_DIR" "$LAB_PG_SOCKET_DIR"
    chown "$LAB_PG_USER" "$LAB_PG_DIR" "$LAB_PG_SOCKET_DIR"
    chmod 700 "$LAB_PG_DIR"
    runuser -u "$LAB_PG_USER" -- "$bin/initdb" -D "$LAB_PG_DIR/data" -U "$LAB_PG_USER" -A trust \
        --no-sync -E UTF8 --locale C >"$RUN/pg-initdb.log" 2>&1 9<&- || die "initdb failed: see $RUN/pg-initdb.log"
    pg_server_start
}
# pg_server_start -- start the server of the cluster in $LAB_PG_DIR
pg_server_start() {
    local bin; bin=$(pg_bin)
    runuser -u "$LAB_PG_USER" -- "$bin/pg_ctl" -D "$LAB_PG_DIR/data" -l "$LAB_PG_DIR/log" -w -t 30 \
        -o "-c listen_addresses='' -c unix_socket_directories=$LAB_PG_SOCKET_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null 9<&- || die "PostgreSQL did not start: see $LAB_PG_DIR/log"
}
# stop_pg -- stop the lab's cluster, if one runs
stop_pg() {
    local bin; bin=$(pg_bin)
    [[ -n "$bin" && -f "$LAB_PG_DIR/data/postmaster.pid" ]] || return 0
    runuser -u "$LAB_PG_USER" -- "$bin/pg_ctl" -D "$LAB_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 \
        || warn "could not stop PostgreSQL in $LAB_PG_DIR"
}

# cmd_pg_restart -- stop the lab's PostgreSQL (fast: sessions cut) and start it again, its data
# kept: what a database restart under running servers looks like
cmd_pg_restart() {
    require_root
    local bin; bin=$(pg_bin)
    [[ -f "$LAB_PG_DIR/data/postmaster.pid" ]] || die "the lab's PostgreSQL is not running (up first)"
    runuser -u "$LAB_PG_USER" -- "$bin/pg_ctl" -D "$LAB_PG_DIR/data" -m fast -w stop >/dev/null 9<&- \
        || die "PostgreSQL did not stop"
    pg_server_start
    log "PostgreSQL restarted"
}

# ------------------------------------------------------------------ commands
cmd_down() {
    require_root
    stop_pg
    command -v ip >/dev/null 2>&1 || { rm -rf "$RUN"; return 0; }
    kill_lab_processes
    local ns
    for ns in $(lab_ns_present) $(csv "$LAB_NAMESPACES"); do
        is_lab_ns "$ns" || continue
        if [[ -e "/run/netns/$ns" ]]; then
            ip netns del "$ns" 2>/dev/null || warn "could not delete namespace $ns"
        fi
    done
    ssh_users_remove
    if [[ -e "$RUN/sshd-privsep-created" ]] && ! pgrep -x sshd >/dev/null 2>&1; then rmdir /run/sshd 2>/dev/null || true; fi
    if [[ -d /etc/netns ]]; then
        rm -rf /etc/netns/"$LAB_PREFIX"*
        rmdir /etc/netns 2>/dev/null || true
    fi
    # lldpd made its privsep chroot /run/lldpd (etc/localtime only): remove it if the lab
    # created it and no other lldpd is running
    if [[ -e "$RUN/lldpd-chroot-created" ]] && ! pgrep -x lldpd >/dev/null 2>&1; then
        rm -rf /run/lldpd
    fi
    rm -rf "$RUN"
}

cmd_up() {
    require_root
    need_cmds ip:iproute2 ss:iproute2 nft:nftables dnsmasq:dnsmasq-base python3:python3 \
        setsid:util-linux flock:util-linux timeout:coreutils od:coreutils awk:mawk \
        ping:iputils-ping snmpd:snmpd snmpget:snmp snmpbulkwalk:snmp lldpd:lldpd lldpcli:lldpd \
        sshd:openssh-server ssh:openssh-client ssh-keygen:openssh-client ssh-keyscan:openssh-client \
        useradd:passwd chpasswd:passwd
    command -v dig >/dev/null 2>&1 || warn "dig not found (bind9-dnsutils): using a python DNS check"
    pick_python
    "$PY" -c 'import aiosmtpd' 2>/dev/null || die "$PY lacks aiosmtpd (python3-aiosmtpd: sudo bash lab/lab.sh deps)"
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
    build_slow
    build_switches
    build_access
    build_ssh
    fill_switch_neighbours

    mkdir -p "$RUN/snmp-client"
    start_dns
    start_h
    start_alt
    start_d
    start_slow
    start_switches
    start_access
    start_ssh
    start_netcli
    start_sinks
    start_snmpsim
    start_pg

    local d
    for d in "${DAEMONS[@]}"; do wait_ready "$d"; done
    start_lldpd          # after snmpd: lldpd registers with its AgentX master at start
    wait_dns
    wait_snmp
    wait_snmpsim
    fill_access
    wait_switches
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
  snmp     udp/$LAB_SNMP_PORT  community $LAB_SNMP_COMMUNITY (v1, v2c)  v3 users $LAB_SNMP_V3_USERS
           $LAB_HOST_NS on every address ($LAB_HOST_NAME; extra interfaces $LAB_HOST_EXTRA_IFS are $(cat "$RUN/h-extra-ifs.type" 2>/dev/null))
  switches $(for s in $(csv "$LAB_SWITCHES"); do printf '%s %s  ' "$(sw "$s" NS)" "$(sw "$s" LAN_V4)"; done)(snmpd + lldpd)
           $(for l in $(csv "$LAB_SW_LINKS"); do printf '%s<->%s %s  ' "$(swl "$l" A)" "$(swl "$l" B)" "$(swl "$l" PROTO)"; done)
  pg       PostgreSQL on the Unix socket in $LAB_PG_SOCKET_DIR (user $LAB_PG_USER, trusted)
  try:     ip netns exec $LAB_CLIENT_NS dig +short $LAB_HOST_NAME
           ip netns exec $LAB_CLIENT_NS snmpbulkwalk -v2c -c $LAB_SNMP_COMMUNITY -On $LAB_S1_LAN_V4 1.0.8802.1.1.2.1.4.1
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
        if [[ "$pid" =~ ^[0-9]+$ ]] && pid_cmd_matches "$pid" "$DAEMON_RE"; then
            echo "daemon  $f pid $pid ok"
        else
            echo "daemon  $f NOT RUNNING"; ok=1
        fi
    done
    if [[ -n "$(pg_bin)" ]] && runuser -u "$LAB_PG_USER" -- "$(pg_bin)/pg_ctl" -D "$LAB_PG_DIR/data" status >/dev/null 2>&1; then
        echo "daemon  postgresql ok"
    else
        echo "daemon  postgresql NOT RUNNING"; ok=1
    fi
    if ((ok == 0)); then echo "lab is up"; else echo "lab is DOWN (or incomplete)"; fi
    return "$ok"
}

cmd_deps() {
    require_root
    # snmpd, lldpd, sshd, postgresql and prometheus are services: their packages would start them in the ROOT namespace
    # (lldpd would then send LLDP frames out of the machine's real interfaces).  Unless the
    # machine already has a policy-rc.d, deny every service start while apt-get runs, and
    # disable the units the packages enabled.
    local policy=/usr/sbin/policy-rc.d made_policy=0 unit pkg fresh=()
    for pkg in snmpd:snmpd lldpd:lldpd openssh-server:ssh postgresql:postgresql prometheus:prometheus; do     # package:unit
        unit=${pkg#*:}; pkg=${pkg%%:*}
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || fresh+=("$unit")
    done
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\n# lab/lab.sh deps: no service starts during apt-get\nexit 101\n' > "$policy"
        chmod 755 "$policy"
        made_policy=1
        trap 'rm -f '"$policy" EXIT
    fi
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $DEB_PACKAGES
    if ((made_policy)); then rm -f "$policy"; trap - EXIT; fi
    # snmpsim is not packaged by Debian: PyPI, pinned, in a venv of its own
    [[ -x "$LAB_SNMPSIM_VENV/bin/pip" ]] || python3 -m venv "$LAB_SNMPSIM_VENV"
    "$LAB_SNMPSIM_VENV/bin/pip" install -q --disable-pip-version-check -r "$LAB_DIR/snmpsim-requirements.txt"
    if [[ -d /run/systemd/system ]] && ((${#fresh[@]})); then
        for unit in "${fresh[@]}"; do
            systemctl disable --now "$unit.service" >/dev/null 2>&1 || true
        done
        log "disabled the freshly installed services (the lab runs its own): ${fresh[*]}"
    fi
}

# serialize concurrent invocations (lock on this script file: leaves nothing behind)
exec 9<"$LAB_DIR/lab.sh"
if command -v flock >/dev/null 2>&1; then flock -w 300 9 || die "another lab.sh is running"; fi

case "${1:-}" in
    up)     cmd_up ;;
    down)   cmd_down; log "lab is down" ;;
    status) cmd_status ;;
    deps)   cmd_deps ;;
    ssh-rotate) cmd_ssh_rotate ;;
    pg-restart) cmd_pg_restart ;;
    netcli-restart) cmd_netcli_restart ;;
    *)      echo "usage: $0 up|down|status|deps|ssh-rotate|pg-restart|netcli-restart" >&2; exit 2 ;;
esac
