-- Mentors of the center's network, the startups each is assigned to, and
-- the startups' requests for office hours with the mentors' answers.
CREATE TABLE mentors (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    expertise TEXT NOT NULL,
    -- Language tags, space-separated: `zh-CN en`.
    languages TEXT NOT NULL
);

CREATE TABLE mentor_assignments (
    mentor_id       TEXT NOT NULL REFERENCES mentors(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (mentor_id, organisation_id)
) WITHOUT ROWID;

CREATE TABLE office_hours (
    id              TEXT PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    mentor_id       TEXT NOT NULL REFERENCES mentors(id),
    rev             INTEGER NOT NULL UNIQUE,
    requested_by    INTEGER NOT NULL REFERENCES users(id),
    topic           TEXT NOT NULL,
    -- JSON array of RFC 3339 start times.
    slots           TEXT NOT NULL,
    state           TEXT NOT NULL,
    chosen_slot     TEXT,
    note            TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX office_hours_by_organisation_rev ON office_hours(organisation_id, rev);
CREATE INDEX office_hours_by_state ON office_hours(state, created_at);
