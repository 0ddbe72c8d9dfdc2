-- The startup's mentors as its center last listed them, and its requests
-- for office hours with the mentors' answers (a request not yet sent
-- under a local id, with the outbox entry that sends it).
CREATE TABLE mentors (
    id   TEXT PRIMARY KEY,
    body TEXT NOT NULL
);

CREATE TABLE office_hours (
    id         TEXT PRIMARY KEY,
    rev        INTEGER NOT NULL,
    state      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    outbox_seq INTEGER
);
