#!/usr/bin/env bash
# Benchmarks result ingest into the team store (PostgreSQL) against the embedded one (SQLite):
# a history of COUNT stored ping results (made by a real run, then grown with rows of the same
# JSON) is copied with `wirescope db migrate` into a fresh database on the lab's PostgreSQL (the
# results go in batched, 2,000 a transaction, pipelined), and into a fresh SQLite file the same
# way. Prints results/s for each, the ratio, and issue 17's goal (>= 50,000 results/s into
# PostgreSQL).
# Usage: sudo bash bench/store.sh [COUNT]   (default 200000; the lab must be up: PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-200000}
[[ "$COUNT" =~ ^[0-9]+$ && $COUNT -ge 1000 && $COUNT -le 2000000 ]] || { echo "bench: COUNT is 1000 to 2000000" >&2; exit 2; }
# shellcheck source=../lab/lab.env
source lab/lab.env
[[ -S "$LAB_PG_SOCKET_DIR/.s.PGSQL.5432" ]] || { echo "bench: the lab's PostgreSQL is not up (sudo bash lab/lab.sh up)" >&2; exit 2; }
cargo build --release --locked -q -p wirescope --bin wirescope
WS="$PWD/target/release/wirescope"
TMP=$(mktemp -d)
DB="ws_bench_store_$$"
psql_lab() { runuser -u "$LAB_PG_USER" -- psql -h "$LAB_PG_SOCKET_DIR" -qX "$@"; }
cleanup() {
    psql_lab -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$TMP"
}
trap cleanup EXIT

# One real run's results, then the same JSON again until there are COUNT.
"$WS" ping 127.0.0.1 127.0.0.2 -c 1 --save --db "$TMP/h.db" >/dev/null 2>&1
python3 - "$TMP/h.db" "$COUNT" <<'EOF'
import sqlite3, sys
db, count = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
data = c.execute("SELECT data FROM results WHERE run_id = 1 ORDER BY seq LIMIT 1").fetchone()[0]
have = c.execute("SELECT COUNT(*) FROM results").fetchone()[0]
c.executemany(
    "INSERT INTO results (run_id, seq, target, data) VALUES (1, ?, ?, ?)",
    ((seq, "198.18.%d.%d" % (64 + seq // 250 % 64, seq % 250 + 1), data) for seq in range(have, count)),
)
c.execute("UPDATE runs SET total = ?, done = ? WHERE id = 1", (count, count))
c.commit()
EOF
echo "bench: $COUNT results ($(du -h "$TMP/h.db" | cut -f1) of SQLite) copied into each store"

psql_lab -c "CREATE DATABASE $DB" >/dev/null
URL="postgres://$LAB_PG_USER@/$DB?host=$LAB_PG_SOCKET_DIR"
rate() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); n=[t["rows"] for t in r["tables"] if t["table"]=="results"][0]; print("%d %.2f %.0f" % (n, r["seconds"], n / r["seconds"]))' "$1"; }

"$WS" db migrate --from "$TMP/h.db" --to "$URL" --json > "$TMP/pg.json"
read -r PG_N PG_S PG_RATE < <(rate "$TMP/pg.json")
"$WS" db migrate --from "$TMP/h.db" --to "sqlite:$TMP/copy.db" --json > "$TMP/lite.json"
read -r LITE_N LITE_S LITE_RATE < <(rate "$TMP/lite.json")

printf 'ingest PostgreSQL  %8d results in %6.2f s  %8d results/s\n' "$PG_N" "$PG_S" "$PG_RATE"
printf 'ingest SQLite      %8d results in %6.2f s  %8d results/s\n' "$LITE_N" "$LITE_S" "$LITE_RATE"
python3 -c 'import sys; pg, lite = float(sys.argv[1]), float(sys.argv[2]); print("ratio PostgreSQL / SQLite: %.2f; goal >= 50,000 results/s into PostgreSQL: %s" % (pg / lite, "met" if pg >= 50000 else "NOT met"))' "$PG_RATE" "$LITE_RATE"
