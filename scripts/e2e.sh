#!/usr/bin/env bash
# Browser tests of the dashboard: runs `wirescope serve` inside the lab's client namespace (so
# its runs reach the lab), then web/e2e/run.mjs (playwright-core driving Debian's chromium) in
# the same namespace. Screenshots go to artifacts/screenshots/. Needs root and the lab up.
# The server keeps its credential profiles in an encrypted file under the run's temporary
# directory (the browser test saves one and crawls the lab's switches with it). Single sign-on
# goes through a real OpenID Connect provider (web/e2e/idp.mjs: oidc-provider from npm) on
# loopback in the same namespace. The agents step starts `wirescope agent` itself (the same
# binary), dialing this server from the client namespace and probing from the lab's second one.
set -euo pipefail
cd "$(dirname "$0")/.."
source lab/lab.env
BIN=${WIRESCOPE_BIN:-target/debug/wirescope}
SHOTS=${SCREENSHOT_DIR:-$PWD/artifacts/screenshots}
mkdir -p "$SHOTS"
TMP=$(mktemp -d)
SERVER=""
IDP=""
cleanup() {
  [[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null
  [[ -n "$IDP" ]] && kill "$IDP" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
# the provider's port is chosen first (the server is told its issuer; it asks it nothing until
# someone signs in), the provider started once the server's callback address is known
IDP_PORT=$(ip netns exec "$LAB_CLIENT_NS" python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
IDP_SECRET="e2e-oidc-secret-$$-$RANDOM"
ip netns exec "$LAB_CLIENT_NS" env XDG_CONFIG_HOME="$TMP/config" XDG_DATA_HOME="$TMP/data" \
  WIRESCOPE_SECRET_STORE=file WIRESCOPE_SECRETS_PASSPHRASE="wirescope e2e $$" \
  WIRESCOPE_OIDC_CLIENT_SECRET="$IDP_SECRET" \
  "$BIN" serve --listen 127.0.0.1:0 --db "$TMP/w.db" \
  --oidc-issuer "http://127.0.0.1:$IDP_PORT" --oidc-client-id wirescope \
  --oidc-role netops=operator --oidc-role neteng=admin --oidc-label "Sign in with the lab's SSO" \
  >"$TMP/serve.out" 2>&1 &
SERVER=$!
for _ in $(seq 100); do grep -q "open http" "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/serve.out" | head -1)
[[ -n "$URL" ]] || { echo "e2e: the server did not start:" >&2; cat "$TMP/serve.out" >&2; exit 1; }
for _ in $(seq 50); do grep -q "/#/setup/" "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
SETUP=$(grep -o '/#/setup/[0-9a-f]*' "$TMP/serve.out" | head -1 | sed 's|.*/||')
ip netns exec "$LAB_CLIENT_NS" env IDP_PORT="$IDP_PORT" IDP_REDIRECT="$URL/api/oidc/callback" IDP_SECRET="$IDP_SECRET" \
  node web/e2e/idp.mjs >"$TMP/idp.out" 2>&1 &
IDP=$!
for _ in $(seq 100); do grep -q "idp: ready" "$TMP/idp.out" 2>/dev/null && break; sleep 0.1; done
grep -q "idp: ready" "$TMP/idp.out" || { echo "e2e: the OpenID provider did not start:" >&2; cat "$TMP/idp.out" >&2; exit 1; }
echo "e2e: dashboard at $URL (in namespace $LAB_CLIENT_NS), screenshots in $SHOTS"
ip netns exec "$LAB_CLIENT_NS" env WIRESCOPE_URL="$URL" SCREENSHOT_DIR="$SHOTS" LAB_SNMP_COMMUNITY="$LAB_SNMP_COMMUNITY" \
  E2E_SETUP_CODE="$SETUP" E2E_BIN="$(realpath "$BIN")" \
  LAB_ALT_NS="$LAB_ALT_NS" LAB_ALT_V4="$LAB_ALT_V4" LAB_MANY_FIRST="$LAB_MANY_FIRST" \
  E2E_SSH_PASSWORD="$LAB_SSH_PW_PASSWORD" E2E_SSH_KBD_PASSWORD="$LAB_SSH_KBD_PASSWORD" \
  E2E_NETCLI_PORT="$LAB_NETCLI_PORT" E2E_NETCLI_USER="$LAB_NETCLI_USER" \
  E2E_NETCLI_PASSWORD="$LAB_NETCLI_PASSWORD" E2E_NETCLI_ENABLE="$LAB_NETCLI_ENABLE" \
  node web/e2e/run.mjs
