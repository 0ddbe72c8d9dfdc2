-- Incubation: programmes, their cohorts, the startups enrolled, and each
-- startup's plan of milestones with their timeline.
CREATE TABLE programmes (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL
);

CREATE TABLE programme_staff (
    programme_id TEXT NOT NULL REFERENCES programmes(id),
    user_id      INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (programme_id, user_id)
);

CREATE TABLE cohorts (
    id           TEXT PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes(id),
    name         TEXT NOT NULL,
    starts_on    TEXT NOT NULL,
    ends_on      TEXT NOT NULL,
    UNIQUE (programme_id, name)
);

-- A startup is in one cohort at a time.
CREATE TABLE enrolments (
    organisation_id INTEGER PRIMARY KEY REFERENCES organisations(id),
    cohort_id       TEXT NOT NULL REFERENCES cohorts(id),
    enrolled_at     INTEGER NOT NULL
);

CREATE TABLE milestones (
    id              TEXT PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    rev             INTEGER NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    deliverable     TEXT NOT NULL,
    due_on          TEXT NOT NULL,
    state           TEXT NOT NULL,
    evidence        TEXT,
    review_comment  TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX milestones_by_organisation_rev ON milestones(organisation_id, rev);

CREATE TABLE milestone_transitions (
    seq           INTEGER PRIMARY KEY,
    milestone_id  TEXT NOT NULL REFERENCES milestones(id),
    from_state    TEXT,
    to_state      TEXT NOT NULL,
    actor_user_id INTEGER NOT NULL REFERENCES users(id),
    at            INTEGER NOT NULL,
    comment       TEXT
);
CREATE INDEX milestone_transitions_by_milestone ON milestone_transitions(milestone_id, seq);
