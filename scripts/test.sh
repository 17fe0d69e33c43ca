#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh Debian machine (Debian packages for
# the lab, the browser tests and the benchmarks; the dashboard's npm packages), checks formatting
# and lints, builds, brings the lab of network namespaces up, runs every test (Rust unit, CLI, lab
# and API tests; the dashboard's vitest tests and type check; browser tests in Debian's chromium),
# and tears the lab down again, also on failure. Browser screenshots: artifacts/screenshots/.
# Needs root for apt-get and the lab (run with sudo otherwise). Every lab test runs here: a
# missing lab fails them, with or without CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."

# A fresh clone gains nothing from incremental artefacts; they would double the target's size.
if [[ "${CI:-}" == "true" ]]; then export CARGO_INCREMENTAL=0; fi

SUDO=""
if [[ $EUID -ne 0 ]]; then SUDO="sudo"; fi

echo "== installing test dependencies (Debian packages)"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    iproute2 dnsmasq-base nftables fping nmap traceroute bind9-dnsutils tcpdump hyperfine \
    procps util-linux python3 netcat-openbsd iputils-ping time wrk curl chromium \
    snmp gnome-keyring dbus-daemon libsecret-tools tshark passwd poppler-utils libtrace-tools >/dev/null
# the lab's daemons (snmpd, lldpd, sshd), installed without starting them in the root namespace
$SUDO bash lab/lab.sh deps >/dev/null

echo "== dashboard: npm packages, unit tests, type check"
(cd web && npm ci --no-audit --no-fund && npm test && npm run check)

echo "== formatting and lints"
cargo fmt --all -- --check
cargo clippy --locked --workspace --all-targets -- -D warnings

echo "== build"
cargo build --locked --workspace --all-targets

echo "== lab up"
# the lab's emulated network CLIs are the binary just built (root may lack cargo under sudo)
$SUDO env LAB_NETCLI_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/wirescope-lab-netcli" bash lab/lab.sh up
trap '$SUDO bash lab/lab.sh down >/dev/null 2>&1 || true' EXIT

echo "== tests"
# The lab tests are marked #[ignore = "needs the lab: ..."] (a plain `cargo test` lists them as
# ignored); with the lab up they all run here. They run the binary inside namespaces: root.
if [[ $EUID -eq 0 ]]; then
    cargo test --locked --workspace -- --include-ignored
else
    cargo test --locked --workspace --no-run
    $SUDO env CI="${CI:-}" PATH="$PATH" cargo test --locked --workspace -- --include-ignored
fi

echo "== browser tests (Debian chromium, playwright-core)"
$SUDO bash scripts/e2e.sh
