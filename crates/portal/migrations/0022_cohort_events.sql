-- The events of a cohort (demo days, trainings, hackathons) and who
-- registered for them. Seats go to the first registrations still live,
-- by `seq`; the others wait in that order, so a cancellation moves the
-- first waiting up without anything else written.
CREATE TABLE cohort_events (
    id          TEXT PRIMARY KEY,
    cohort_id   TEXT NOT NULL REFERENCES cohorts(id),
    rev         INTEGER NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL CHECK (ends_at > starts_at),
    place       TEXT NOT NULL,
    link        TEXT,
    seats       INTEGER NOT NULL CHECK (seats > 0),
    created_at  INTEGER NOT NULL
);
CREATE INDEX cohort_events_by_cohort_rev ON cohort_events(cohort_id, rev);

CREATE TABLE event_registrations (
    seq           INTEGER PRIMARY KEY,
    event_id      TEXT NOT NULL REFERENCES cohort_events(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    registered_at INTEGER NOT NULL,
    cancelled_at  INTEGER
);
CREATE UNIQUE INDEX event_registrations_live
    ON event_registrations(event_id, user_id) WHERE cancelled_at IS NULL;
CREATE INDEX event_registrations_by_event ON event_registrations(event_id, seq);
