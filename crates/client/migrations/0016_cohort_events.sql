-- The events of the organisation's cohort as its center last sent them,
-- each with the user's own registration and the change to it waiting in
-- the outbox.
CREATE TABLE cohort_events (
    id         TEXT PRIMARY KEY,
    rev        INTEGER NOT NULL,
    starts_at  TEXT NOT NULL,
    body       TEXT NOT NULL,
    outbox_seq INTEGER
);
