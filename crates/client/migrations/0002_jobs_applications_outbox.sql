-- Re-listing after 410: rows not seen again in the new generation are swept.
ALTER TABLE sync_cursors ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_cursors ADD COLUMN relisting INTEGER NOT NULL DEFAULT 0;
ALTER TABLE catalog_models ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;

CREATE TABLE favourites (
    model_id TEXT PRIMARY KEY,
    added_at TEXT NOT NULL
);

-- The user's jobs and applications as last synced, plus optimistic rows for
-- writes still in the outbox (`outbox_seq` set, id `local-…` until sent).
CREATE TABLE jobs (
    id         TEXT PRIMARY KEY,
    rev        INTEGER NOT NULL,
    state      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    outbox_seq INTEGER
);
CREATE INDEX jobs_by_created ON jobs(created_at DESC);

CREATE TABLE applications (
    id         TEXT PRIMARY KEY,
    rev        INTEGER NOT NULL,
    state      TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    outbox_seq INTEGER
);

-- Forms being written (an application, a training request), saved as typed.
CREATE TABLE drafts (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('application', 'job')),
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Writes waiting to reach the portal, in order, each with the idempotency
-- key made before its first attempt. A refused write stays, with the
-- portal's reason, until the user retries or discards it.
CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY,
    write           TEXT NOT NULL,
    content         BLOB,
    idempotency_key TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'refused')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    error_code      TEXT,
    error_message   TEXT,
    error_field     TEXT,
    created_at      TEXT NOT NULL
);

-- Local ids of created items and the ids the portal gave them.
CREATE TABLE local_ids (
    local_id  TEXT PRIMARY KEY,
    portal_id TEXT NOT NULL
);

-- What deserved a notification: once per item and state, remembered.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    collection TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    state      TEXT NOT NULL,
    title      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    shown_at   TEXT,
    read_at    TEXT,
    UNIQUE (collection, item_id, state)
);

-- The hardware each model runs on, for the hardware filter and its counts.
CREATE TABLE catalog_hardware (
    model_rowid INTEGER NOT NULL REFERENCES catalog_models(rowid) ON DELETE CASCADE,
    hardware    TEXT NOT NULL,
    PRIMARY KEY (hardware, model_rowid)
) WITHOUT ROWID;
CREATE INDEX catalog_models_by_task ON catalog_models(task);
CREATE INDEX catalog_models_by_updated ON catalog_models(updated_at DESC);
CREATE INDEX catalog_models_by_stars ON catalog_models(stars DESC);
