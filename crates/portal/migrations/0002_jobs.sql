-- NPU pools: whole nodes of one flavour (NPUs per node).
CREATE TABLE pools (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    npu_kind      TEXT NOT NULL,
    npus_per_node INTEGER NOT NULL CHECK (npus_per_node > 0),
    nodes         INTEGER NOT NULL CHECK (nodes >= 0)
);

-- Each organisation's NPU-hour allowance. No row: no quota.
CREATE TABLE quotas (
    organisation_id INTEGER PRIMARY KEY REFERENCES organisations(id),
    npu_hours_total REAL NOT NULL CHECK (npu_hours_total >= 0)
);

-- Training jobs. `request` is the partner's JobRequest as sent; the other
-- columns are what the scheduler and the feed query on. Times the scheduler
-- compares are unix milliseconds.
CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    rev             INTEGER NOT NULL UNIQUE,
    pool_id         TEXT NOT NULL REFERENCES pools(id),
    request         TEXT NOT NULL,
    npus            INTEGER NOT NULL,
    max_npu_hours   REAL NOT NULL,
    priority        INTEGER NOT NULL,
    state           TEXT NOT NULL,
    reason          TEXT,
    step            INTEGER NOT NULL DEFAULT 0,
    total_steps     INTEGER NOT NULL DEFAULT 0,
    npu_hours_used  REAL NOT NULL DEFAULT 0,
    executor_id     TEXT,
    log_seq         INTEGER NOT NULL DEFAULT 0,
    queued_at       INTEGER,
    started_at      INTEGER,
    ended_at        INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX jobs_by_organisation_rev ON jobs(organisation_id, rev);
CREATE INDEX jobs_by_state ON jobs(state, pool_id);

CREATE TABLE job_transitions (
    seq    INTEGER PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs(id),
    state  TEXT NOT NULL,
    at     INTEGER NOT NULL,
    reason TEXT
);
CREATE INDEX job_transitions_by_job ON job_transitions(job_id, seq);

CREATE TABLE job_logs (
    job_id TEXT NOT NULL REFERENCES jobs(id),
    seq    INTEGER NOT NULL,
    at     INTEGER NOT NULL,
    text   TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;

CREATE TABLE job_metrics (
    job_id TEXT NOT NULL REFERENCES jobs(id),
    name   TEXT NOT NULL,
    step   INTEGER NOT NULL,
    value  REAL NOT NULL,
    PRIMARY KEY (job_id, name, step)
) WITHOUT ROWID;

CREATE TABLE job_artifacts (
    job_id     TEXT NOT NULL REFERENCES jobs(id),
    name       TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    uri        TEXT NOT NULL,
    PRIMARY KEY (job_id, name)
) WITHOUT ROWID;
