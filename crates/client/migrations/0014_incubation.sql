-- An incubated startup's milestones as its center last sent them; its
-- enrolment kept with the center's pools; evidence being written kept as a
-- draft.
CREATE TABLE milestones (
    id         TEXT PRIMARY KEY,
    rev        INTEGER NOT NULL,
    state      TEXT NOT NULL,
    due_on     TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    outbox_seq INTEGER
);

CREATE TABLE center_info_new (
    key        TEXT PRIMARY KEY
               CHECK (key IN ('pools', 'quota', 'account', 'pool_history', 'center', 'incubation')),
    body       TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
INSERT INTO center_info_new (key, body, fetched_at)
    SELECT key, body, fetched_at FROM center_info;
DROP TABLE center_info;
ALTER TABLE center_info_new RENAME TO center_info;

CREATE TABLE drafts_new (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('application', 'job', 'milestone')),
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO drafts_new (id, kind, body, updated_at)
    SELECT id, kind, body, updated_at FROM drafts;
DROP TABLE drafts;
ALTER TABLE drafts_new RENAME TO drafts;
