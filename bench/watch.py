#!/usr/bin/env python3
"""Figures of bench/watch.sh (stdlib only).

report TMP CPU0 CPU1 T0 T1 TICKS MINUTES
    how late each scheduled echo left (tcpdump times in TMP/sends.txt) against its place in
    its fire's spread (the fire's due time plus its index times spread/count, spread being
    half the minute), the fires' own lateness, the server's CPU over the run, and the bytes
    per trend sample in TMP/w.db (SQLite's dbstat: the samples, rollups and series tables)
fill DB SUITE
    gives the suite's first series 8 days of samples, one a minute, and every series of the
    suite hourly rollups for 8 days and 5-minute rollups for a day: the store of a
    10,000-target suite a week on
query BASE SUITE SERIES
    times 200 GETs of the series' 7-day trend
"""

import json
import random
import sqlite3
import sys
import time
import urllib.request

SPREAD_S = 30.0


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def report(tmp, cpu0, cpu1, t0, t1, ticks, minutes):
    suite = json.load(open(f"{tmp}/suite.json"))
    fires = [f for f in suite["fires"] if f["due_at"] is not None]
    sends = [float(x) for x in open(f"{tmp}/sends.txt") if x.strip()]
    late, starts, counts = [], [], []
    for f in fires:
        due = f["due_at"] / 1000.0
        mine = sorted(t for t in sends if due <= t < due + 60)
        if not mine:
            continue
        counts.append(len(mine))
        step = SPREAD_S / len(mine)
        starts.append((mine[0] - due) * 1000)
        late += [(t - (due + k * step)) * 1000 for k, t in enumerate(mine)]
    fire_late = [f["fired_at"] - f["due_at"] for f in fires]
    cpu_s = (float(cpu1) - float(cpu0)) / float(ticks)
    wall = float(t1) - float(t0)
    db = sqlite3.connect(f"{tmp}/w.db")
    sizes = dict(db.execute(
        "SELECT name, SUM(pgsize) FROM dbstat WHERE name IN ('samples', 'rollups', 'series', 'sqlite_autoindex_series_1') GROUP BY name"
    ).fetchall())
    n_samples = db.execute("SELECT COUNT(*) FROM samples").fetchone()[0]
    n_rollups = db.execute("SELECT COUNT(*) FROM rollups").fetchone()[0]
    results = db.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = 'results'").fetchone()[0] or 0
    trend_bytes = sum(sizes.values())
    alerts = json.load(open(f"{tmp}/alerts.json"))["events"]
    print(f"fires: {len(fires)} scheduled ({minutes} expected), echoes per fire {min(counts) if counts else 0}-{max(counts) if counts else 0}")
    print(f"fire lateness (handled - due): p50 {pct(fire_late, 0.5):.0f} ms, max {max(fire_late) if fire_late else float('nan'):.0f} ms")
    print(f"first echo after its due time: p50 {pct(starts, 0.5):.1f} ms, max {max(starts) if starts else float('nan'):.1f} ms")
    print(f"echo lateness against its place in the {SPREAD_S:.0f} s spread: p50 {pct(late, 0.5):.1f} ms, p99 {pct(late, 0.99):.1f} ms, max {max(late) if late else float('nan'):.1f} ms over {len(late)} echoes (goal p99 <= 100 ms)")
    print(f"server CPU: {cpu_s:.1f} s over {wall:.0f} s = {100 * cpu_s / wall:.1f}% of one core (goal <= 10%)")
    per_sample = sizes.get("samples", 0) / max(n_samples, 1)
    per_rollup = sizes.get("rollups", 0) / max(n_rollups, 1)
    # a sample a minute feeds a fifth of a 5-minute rollup and a sixtieth of an hourly one
    steady = per_sample + per_rollup * (1 / 5 + 1 / 60)
    print(f"trend storage: {trend_bytes} bytes for {n_samples} samples and {n_rollups} rollups ({len(counts) if counts else 0} minutes: most buckets still partial)")
    print(f"  a sample {per_sample:.1f} bytes, a rollup {per_rollup:.1f} bytes: a sample a minute costs {steady:.1f} bytes with its share of the rollups it feeds (goal <= 40)")
    print(f"(the runs' results, kept in the history beside: {results / max(n_samples, 1):.0f} bytes per result)")
    print(f"alert events raised: {len(alerts)} (the lab's addresses all answer: none expected)")


def fill(path, suite):
    db = sqlite3.connect(path)
    series = [r[0] for r in db.execute("SELECT id FROM series WHERE suite_id = ? ORDER BY id", (suite,))]
    first = db.execute("SELECT MIN(t) FROM samples").fetchone()[0]
    hour, five, day = 3_600_000, 300_000, 86_400_000
    rnd = random.Random(13)
    start = first - 8 * day
    rows = []
    for i in range(8 * 24 * 60):
        t = start + i * 60_000
        med = int(300 + rnd.random() * 200)
        rows.append((series[0], t, med - 50, med, med + 80, 0, 1))
    db.executemany("INSERT OR IGNORE INTO samples (series_id, t, min_us, med_us, max_us, loss, sent) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def buckets(width, span):
        b0 = (first - span) - (first - span) % width
        for s in series:
            for k in range(span // width):
                t = b0 + k * width
                med = int(300 + rnd.random() * 200)
                yield (s, width, t, med - 60, med - 20, med, med + 30, med + 90, 0, width // 60_000)

    db.executemany("INSERT OR IGNORE INTO rollups (series_id, width, t, min_us, p10_us, med_us, p90_us, max_us, loss, samples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", buckets(hour, 8 * day))
    db.executemany("INSERT OR IGNORE INTO rollups (series_id, width, t, min_us, p10_us, med_us, p90_us, max_us, loss, samples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", buckets(five, day))
    db.commit()
    n = db.execute("SELECT COUNT(*) FROM rollups").fetchone()[0]
    print(f"filled: {len(rows)} samples for series {series[0]}, {n} rollups over {len(series)} series")


def query(base, suite, series):
    url = f"{base}/api/suites/{suite}/trend?series={series}&range=7d"
    times, buckets = [], 0
    for _ in range(200):
        t = time.perf_counter()
        body = urllib.request.urlopen(url).read()
        times.append((time.perf_counter() - t) * 1000)
        buckets = len(json.loads(body)["buckets"])
    print(f"7-day trend of one target ({buckets} hourly buckets) over the API: p50 {pct(times, 0.5):.2f} ms, p99 {pct(times, 0.99):.2f} ms (goal <= 50 ms)")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "report":
        report(*args)
    elif cmd == "fill":
        fill(args[0], int(args[1]))
    elif cmd == "query":
        query(*args)
    else:
        sys.exit(f"unknown command {cmd}")
