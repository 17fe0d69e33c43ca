//! The two schemas: SQLite's migrations, and the same tables as PostgreSQL declares them.

/// SQLite's schema, one migration after another; `PRAGMA user_version` counts those applied.
pub(crate) const SQLITE: &[&str] = &[
    "
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        targets_text TEXT NOT NULL,
        options TEXT NOT NULL,
        net TEXT NOT NULL,
        total INTEGER NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        summary TEXT,
        error TEXT,
        source TEXT NOT NULL
    );
    CREATE INDEX runs_kind_status ON runs (kind, status, id);
    CREATE TABLE results (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        target TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID;
",
    "
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    ) WITHOUT ROWID;
",
    "
    CREATE TABLE ssh_recordings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        target TEXT NOT NULL,
        port INTEGER NOT NULL,
        user TEXT NOT NULL,
        netns TEXT,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        cols INTEGER NOT NULL,
        rows INTEGER NOT NULL,
        bytes INTEGER NOT NULL DEFAULT 0,
        truncated INTEGER NOT NULL DEFAULT 0,
        end_reason TEXT
    );
    CREATE TABLE ssh_recording_chunks (
        recording_id INTEGER NOT NULL REFERENCES ssh_recordings (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (recording_id, seq)
    ) WITHOUT ROWID;
",
    "
    ALTER TABLE runs ADD COLUMN owner TEXT;
",
    "
    CREATE TABLE suites (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        spec TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_due INTEGER
    );
    CREATE TABLE suite_fires (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        suite_id INTEGER NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
        due_at INTEGER,
        fired_at INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        runs TEXT NOT NULL,
        note TEXT
    );
    CREATE INDEX suite_fires_suite ON suite_fires (suite_id, id);
    ALTER TABLE runs ADD COLUMN suite_id INTEGER REFERENCES suites (id) ON DELETE SET NULL;
    CREATE INDEX runs_suite ON runs (suite_id, status);
",
    "
    CREATE TABLE series (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        suite_id INTEGER NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        UNIQUE (suite_id, kind, target)
    );
    CREATE TABLE samples (
        series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
        t INTEGER NOT NULL,
        min_us INTEGER,
        med_us INTEGER,
        max_us INTEGER,
        loss INTEGER NOT NULL,
        sent INTEGER NOT NULL,
        PRIMARY KEY (series_id, t)
    ) WITHOUT ROWID;
    CREATE TABLE rollups (
        series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
        width INTEGER NOT NULL,
        t INTEGER NOT NULL,
        min_us INTEGER,
        p10_us INTEGER,
        med_us INTEGER,
        p90_us INTEGER,
        max_us INTEGER,
        loss INTEGER NOT NULL,
        samples INTEGER NOT NULL,
        PRIMARY KEY (series_id, width, t)
    ) WITHOUT ROWID;
    ALTER TABLE runs ADD COLUMN trended INTEGER NOT NULL DEFAULT 0;
",
    "
    ALTER TABLE runs ADD COLUMN suite_run INTEGER;
    CREATE TABLE alert_states (
        suite_id INTEGER NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        target TEXT NOT NULL,
        state TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (suite_id, rule, target)
    ) WITHOUT ROWID;
    CREATE TABLE alert_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        suite_id INTEGER NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        preset TEXT NOT NULL,
        target TEXT NOT NULL,
        kind TEXT NOT NULL,
        at INTEGER NOT NULL,
        run_id INTEGER,
        summary TEXT NOT NULL,
        evidence TEXT NOT NULL,
        silenced TEXT
    );
    CREATE INDEX alert_events_suite ON alert_events (suite_id, target, id);
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id INTEGER NOT NULL REFERENCES alert_events (id) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL,
        last_error TEXT,
        sent_at INTEGER
    );
    CREATE INDEX deliveries_event ON deliveries (event_id);
    CREATE INDEX deliveries_due ON deliveries (status, next_at);
    CREATE TABLE channels (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        spec TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
",
    "
    CREATE TABLE target_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        suite_id INTEGER NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        value TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        runs INTEGER NOT NULL,
        last_run INTEGER
    );
    CREATE INDEX target_history_key ON target_history (suite_id, kind, target, id);
",
    "
    ALTER TABLE series ADD COLUMN samples INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE series ADD COLUMN last_t INTEGER;
    UPDATE series SET samples = (SELECT COUNT(*) FROM samples WHERE series_id = series.id),
        last_t = (SELECT MAX(t) FROM samples WHERE series_id = series.id);
",
    "
    CREATE TABLE traps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        source TEXT NOT NULL,
        oid TEXT NOT NULL,
        name TEXT,
        device TEXT,
        record TEXT NOT NULL,
        follow_up TEXT
    );
    CREATE INDEX traps_at ON traps (at);
    CREATE INDEX traps_source ON traps (source, id);
    CREATE INDEX traps_device ON traps (device, id);
    CREATE TABLE alert_events_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        suite_id INTEGER REFERENCES suites (id) ON DELETE CASCADE,
        trap_id INTEGER,
        rule TEXT NOT NULL,
        preset TEXT NOT NULL,
        target TEXT NOT NULL,
        kind TEXT NOT NULL,
        at INTEGER NOT NULL,
        run_id INTEGER,
        summary TEXT NOT NULL,
        evidence TEXT NOT NULL,
        silenced TEXT
    );
    INSERT INTO alert_events_new
        (id, suite_id, rule, preset, target, kind, at, run_id, summary, evidence, silenced)
        SELECT id, suite_id, rule, preset, target, kind, at, run_id, summary, evidence, silenced
        FROM alert_events;
    DROP TABLE alert_events;
    ALTER TABLE alert_events_new RENAME TO alert_events;
    CREATE INDEX alert_events_suite ON alert_events (suite_id, target, id);
",
    "
    CREATE TABLE diagnostics (
        event_id INTEGER PRIMARY KEY REFERENCES alert_events (id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        runs TEXT NOT NULL DEFAULT '[]',
        bytes INTEGER,
        sha256 TEXT,
        note TEXT,
        zip BLOB
    );
",
    "
    CREATE TABLE users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        password TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        locked_until INTEGER
    );
    CREATE TABLE sessions (
        hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        seen_at INTEGER NOT NULL,
        address TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX sessions_user ON sessions (user_id, created_at);
",
    "
    CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        last_used INTEGER
    );
    CREATE INDEX api_tokens_user ON api_tokens (user_id);
",
    "
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        via TEXT NOT NULL,
        address TEXT NOT NULL,
        action TEXT NOT NULL,
        object TEXT NOT NULL,
        status INTEGER NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_actor ON audit (actor, id);
    CREATE INDEX audit_at ON audit (at);
",
    "
    ALTER TABLE ssh_recordings ADD COLUMN opened_by TEXT;
    ALTER TABLE users ADD COLUMN sso TEXT;
    CREATE TABLE audit_anchor (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_id INTEGER NOT NULL,
        hash TEXT NOT NULL,
        pruned INTEGER NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE TABLE ssh_recording_watchers (
        recording_id INTEGER NOT NULL REFERENCES ssh_recordings (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        first_at INTEGER NOT NULL,
        PRIMARY KEY (recording_id, name)
    ) WITHOUT ROWID;
",
    "
    CREATE TABLE agents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        site TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER,
        last_seen INTEGER,
        version TEXT,
        capabilities TEXT,
        instance TEXT
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        site TEXT NOT NULL,
        status TEXT NOT NULL,
        agent_id INTEGER REFERENCES agents (id) ON DELETE SET NULL,
        lease_until INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        request TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX jobs_queue ON jobs (site, status, id);
",
    "
    ALTER TABLE runs ADD COLUMN site TEXT;
    ALTER TABLE runs ADD COLUMN batch INTEGER;
    CREATE INDEX runs_batch ON runs (batch);
    ALTER TABLE jobs ADD COLUMN cancel INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN received INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN end_status TEXT;
    ALTER TABLE jobs ADD COLUMN end_summary TEXT;
    ALTER TABLE jobs ADD COLUMN end_error TEXT;
",
    "
    CREATE TABLE captures (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        interfaces TEXT NOT NULL,
        bpf TEXT,
        file TEXT,
        netns TEXT,
        host TEXT NOT NULL,
        dir TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        status TEXT NOT NULL,
        frames INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        damage TEXT,
        rotation TEXT NOT NULL,
        owner TEXT NOT NULL
    );
    CREATE INDEX captures_status ON captures (status, owner);
    CREATE TABLE capture_files (
        capture_id INTEGER NOT NULL REFERENCES captures (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        name TEXT NOT NULL,
        first_ns INTEGER,
        last_ns INTEGER,
        frames INTEGER NOT NULL,
        size INTEGER NOT NULL,
        closed INTEGER NOT NULL,
        removed_at INTEGER,
        PRIMARY KEY (capture_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE capture_stats (
        capture_id INTEGER NOT NULL REFERENCES captures (id) ON DELETE CASCADE,
        width INTEGER NOT NULL,
        t INTEGER NOT NULL,
        packets INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (capture_id, width, t)
    ) WITHOUT ROWID;
    CREATE INDEX capture_stats_t ON capture_stats (width, t);
",
    "
    CREATE TABLE config_versions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        target TEXT NOT NULL,
        platform TEXT NOT NULL,
        digest TEXT NOT NULL,
        text TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        taken_at INTEGER NOT NULL,
        seen_at INTEGER NOT NULL,
        run_id INTEGER,
        seen_run_id INTEGER
    );
    CREATE INDEX config_versions_target ON config_versions (target, id);
    CREATE TABLE device_facts (
        target TEXT PRIMARY KEY,
        descr TEXT NOT NULL,
        seen_at INTEGER NOT NULL
    );
    CREATE INDEX device_facts_seen ON device_facts (seen_at);
",
];

/// PostgreSQL's schema: the same tables as SQLite's, in PostgreSQL's types (BIGINT for every
/// integer, BYTEA for bytes, identity columns for ids), plus `instances`, the servers sharing
/// the database, and `live_terminals`, the terminals they hold. A later change adds a migration to both lists.
pub(crate) const POSTGRES: &[&str] = &[
    "
    CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid BIGINT NOT NULL,
        version TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        seen_at BIGINT NOT NULL
    );
    CREATE TABLE suites (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        spec TEXT NOT NULL,
        enabled BIGINT NOT NULL DEFAULT 1,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        last_due BIGINT
    );
    CREATE TABLE runs (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        started_at BIGINT,
        finished_at BIGINT,
        targets_text TEXT NOT NULL,
        options TEXT NOT NULL,
        net TEXT NOT NULL,
        total BIGINT NOT NULL,
        done BIGINT NOT NULL DEFAULT 0,
        summary TEXT,
        error TEXT,
        source TEXT NOT NULL,
        owner TEXT,
        suite_id BIGINT REFERENCES suites (id) ON DELETE SET NULL,
        trended BIGINT NOT NULL DEFAULT 0,
        suite_run BIGINT
    );
    CREATE INDEX runs_kind_status ON runs (kind, status, id);
    CREATE INDEX runs_suite ON runs (suite_id, status);
    CREATE TABLE results (
        run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq BIGINT NOT NULL,
        target TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE TABLE ssh_recordings (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        target TEXT NOT NULL,
        port BIGINT NOT NULL,
        \"user\" TEXT NOT NULL,
        netns TEXT,
        started_at BIGINT NOT NULL,
        ended_at BIGINT,
        cols BIGINT NOT NULL,
        rows BIGINT NOT NULL,
        bytes BIGINT NOT NULL DEFAULT 0,
        truncated BIGINT NOT NULL DEFAULT 0,
        end_reason TEXT,
        opened_by TEXT
    );
    CREATE TABLE ssh_recording_chunks (
        recording_id BIGINT NOT NULL REFERENCES ssh_recordings (id) ON DELETE CASCADE,
        seq BIGINT NOT NULL,
        data BYTEA NOT NULL,
        PRIMARY KEY (recording_id, seq)
    );
    CREATE TABLE ssh_recording_watchers (
        recording_id BIGINT NOT NULL REFERENCES ssh_recordings (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        first_at BIGINT NOT NULL,
        PRIMARY KEY (recording_id, name)
    );
    CREATE TABLE suite_fires (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        suite_id BIGINT NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
        due_at BIGINT,
        fired_at BIGINT NOT NULL,
        outcome TEXT NOT NULL,
        runs TEXT NOT NULL,
        note TEXT
    );
    CREATE INDEX suite_fires_suite ON suite_fires (suite_id, id);
    CREATE TABLE series (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        suite_id BIGINT NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        samples BIGINT NOT NULL DEFAULT 0,
        last_t BIGINT,
        UNIQUE (suite_id, kind, target)
    );
    CREATE TABLE samples (
        series_id BIGINT NOT NULL REFERENCES series (id) ON DELETE CASCADE,
        t BIGINT NOT NULL,
        min_us BIGINT,
        med_us BIGINT,
        max_us BIGINT,
        loss BIGINT NOT NULL,
        sent BIGINT NOT NULL,
        PRIMARY KEY (series_id, t)
    );
    CREATE TABLE rollups (
        series_id BIGINT NOT NULL REFERENCES series (id) ON DELETE CASCADE,
        width BIGINT NOT NULL,
        t BIGINT NOT NULL,
        min_us BIGINT,
        p10_us BIGINT,
        med_us BIGINT,
        p90_us BIGINT,
        max_us BIGINT,
        loss BIGINT NOT NULL,
        samples BIGINT NOT NULL,
        PRIMARY KEY (series_id, width, t)
    );
    CREATE TABLE alert_states (
        suite_id BIGINT NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        target TEXT NOT NULL,
        state TEXT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (suite_id, rule, target)
    );
    CREATE TABLE alert_events (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        suite_id BIGINT REFERENCES suites (id) ON DELETE CASCADE,
        trap_id BIGINT,
        rule TEXT NOT NULL,
        preset TEXT NOT NULL,
        target TEXT NOT NULL,
        kind TEXT NOT NULL,
        at BIGINT NOT NULL,
        run_id BIGINT,
        summary TEXT NOT NULL,
        evidence TEXT NOT NULL,
        silenced TEXT
    );
    CREATE INDEX alert_events_suite ON alert_events (suite_id, target, id);
    CREATE TABLE deliveries (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        event_id BIGINT NOT NULL REFERENCES alert_events (id) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        next_at BIGINT NOT NULL,
        last_error TEXT,
        sent_at BIGINT
    );
    CREATE INDEX deliveries_event ON deliveries (event_id);
    CREATE INDEX deliveries_due ON deliveries (status, next_at);
    CREATE TABLE channels (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        spec TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE TABLE target_history (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        suite_id BIGINT NOT NULL REFERENCES suites (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        value TEXT NOT NULL,
        first_seen BIGINT NOT NULL,
        last_seen BIGINT NOT NULL,
        runs BIGINT NOT NULL,
        last_run BIGINT
    );
    CREATE INDEX target_history_key ON target_history (suite_id, kind, target, id);
    CREATE TABLE traps (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        at BIGINT NOT NULL,
        source TEXT NOT NULL,
        oid TEXT NOT NULL,
        name TEXT,
        device TEXT,
        record TEXT NOT NULL,
        follow_up TEXT
    );
    CREATE INDEX traps_at ON traps (at);
    CREATE INDEX traps_source ON traps (source, id);
    CREATE INDEX traps_device ON traps (device, id);
    CREATE TABLE diagnostics (
        event_id BIGINT PRIMARY KEY REFERENCES alert_events (id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        finished_at BIGINT,
        runs TEXT NOT NULL DEFAULT '[]',
        bytes BIGINT,
        sha256 TEXT,
        note TEXT,
        zip BYTEA
    );
    CREATE TABLE users (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        password TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        failures BIGINT NOT NULL DEFAULT 0,
        locked_until BIGINT,
        sso TEXT
    );
    CREATE TABLE sessions (
        hash TEXT PRIMARY KEY,
        user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        seen_at BIGINT NOT NULL,
        address TEXT NOT NULL
    );
    CREATE INDEX sessions_user ON sessions (user_id, created_at);
    CREATE TABLE api_tokens (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        last_used BIGINT
    );
    CREATE INDEX api_tokens_user ON api_tokens (user_id);
    CREATE TABLE audit (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        at BIGINT NOT NULL,
        actor TEXT NOT NULL,
        via TEXT NOT NULL,
        address TEXT NOT NULL,
        action TEXT NOT NULL,
        object TEXT NOT NULL,
        status BIGINT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_actor ON audit (actor, id);
    CREATE INDEX audit_at ON audit (at);
    CREATE TABLE audit_anchor (
        id BIGINT PRIMARY KEY CHECK (id = 1),
        last_id BIGINT NOT NULL,
        hash TEXT NOT NULL,
        pruned BIGINT NOT NULL,
        at BIGINT NOT NULL
    );
",
    "
    CREATE TABLE agents (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        site TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT,
        last_seen BIGINT,
        version TEXT,
        capabilities TEXT,
        instance TEXT
    );
    CREATE TABLE jobs (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        site TEXT NOT NULL,
        status TEXT NOT NULL,
        agent_id BIGINT REFERENCES agents (id) ON DELETE SET NULL,
        lease_until BIGINT,
        attempts BIGINT NOT NULL DEFAULT 0,
        request TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE INDEX jobs_queue ON jobs (site, status, id);
",
    "
    ALTER TABLE runs ADD COLUMN site TEXT;
    ALTER TABLE runs ADD COLUMN batch BIGINT;
    CREATE INDEX runs_batch ON runs (batch);
    ALTER TABLE jobs ADD COLUMN cancel BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN received BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN end_status TEXT;
    ALTER TABLE jobs ADD COLUMN end_summary TEXT;
    ALTER TABLE jobs ADD COLUMN end_error TEXT;
",
    "
    CREATE TABLE live_terminals (
        recording BIGINT PRIMARY KEY,
        instance TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        listing TEXT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE INDEX live_terminals_instance ON live_terminals (instance);
",
    "
    CREATE TABLE captures (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        source TEXT NOT NULL,
        interfaces TEXT NOT NULL,
        bpf TEXT,
        file TEXT,
        netns TEXT,
        host TEXT NOT NULL,
        dir TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        ended_at BIGINT,
        status TEXT NOT NULL,
        frames BIGINT NOT NULL,
        bytes BIGINT NOT NULL,
        damage TEXT,
        rotation TEXT NOT NULL,
        owner TEXT NOT NULL
    );
    CREATE INDEX captures_status ON captures (status, owner);
    CREATE TABLE capture_files (
        capture_id BIGINT NOT NULL REFERENCES captures (id) ON DELETE CASCADE,
        seq BIGINT NOT NULL,
        name TEXT NOT NULL,
        first_ns BIGINT,
        last_ns BIGINT,
        frames BIGINT NOT NULL,
        size BIGINT NOT NULL,
        closed BIGINT NOT NULL,
        removed_at BIGINT,
        PRIMARY KEY (capture_id, seq)
    );
    CREATE TABLE capture_stats (
        capture_id BIGINT NOT NULL REFERENCES captures (id) ON DELETE CASCADE,
        width BIGINT NOT NULL,
        t BIGINT NOT NULL,
        packets BIGINT NOT NULL,
        bytes BIGINT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (capture_id, width, t)
    );
    CREATE INDEX capture_stats_t ON capture_stats (width, t);
",
    "
    CREATE TABLE config_versions (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        target TEXT NOT NULL,
        platform TEXT NOT NULL,
        digest TEXT NOT NULL,
        text TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        taken_at BIGINT NOT NULL,
        seen_at BIGINT NOT NULL,
        run_id BIGINT,
        seen_run_id BIGINT
    );
    CREATE INDEX config_versions_target ON config_versions (target, id);
    CREATE TABLE device_facts (
        target TEXT PRIMARY KEY,
        descr TEXT NOT NULL,
        seen_at BIGINT NOT NULL
    );
    CREATE INDEX device_facts_seen ON device_facts (seen_at);
",
];
