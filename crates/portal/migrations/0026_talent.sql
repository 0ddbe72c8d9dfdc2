-- The talent platform: the center's courses, their sessions and who
-- enrolled (seats go to the first enrolments still live, by `seq`; the
-- others wait in that order), and engineers' certifications.
CREATE TABLE courses (
    id             TEXT PRIMARY KEY,
    -- A new revision whenever the course, a session or an enrolment in
    -- one changes: its seats are news to every partner.
    rev            INTEGER NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    summary        TEXT NOT NULL,
    level          TEXT NOT NULL,
    language       TEXT NOT NULL,
    duration_hours INTEGER NOT NULL CHECK (duration_hours > 0),
    -- JSON arrays of strings.
    topics         TEXT NOT NULL,
    prerequisites  TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE course_sessions (
    id         TEXT PRIMARY KEY,
    course_id  TEXT NOT NULL REFERENCES courses(id),
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL CHECK (ends_at > starts_at),
    place      TEXT NOT NULL,
    link       TEXT,
    seats      INTEGER NOT NULL CHECK (seats > 0),
    created_at INTEGER NOT NULL
);
CREATE INDEX course_sessions_by_course ON course_sessions(course_id, starts_at);

CREATE TABLE course_enrolments (
    seq          INTEGER PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES course_sessions(id),
    user_id      INTEGER NOT NULL REFERENCES users(id),
    -- The partner admin who enrolled them; NULL when they enrolled themself.
    enrolled_by  INTEGER REFERENCES users(id),
    enrolled_at  INTEGER NOT NULL,
    cancelled_at INTEGER
);
CREATE UNIQUE INDEX course_enrolments_live
    ON course_enrolments(session_id, user_id) WHERE cancelled_at IS NULL;
CREATE INDEX course_enrolments_by_session ON course_enrolments(session_id, seq);
CREATE INDEX course_enrolments_by_user ON course_enrolments(user_id);

CREATE TABLE certifications (
    id              TEXT PRIMARY KEY,
    rev             INTEGER NOT NULL UNIQUE,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    name            TEXT NOT NULL,
    level           TEXT NOT NULL,
    -- YYYY-MM-DD.
    issued_on       TEXT NOT NULL,
    expires_on      TEXT NOT NULL CHECK (expires_on > issued_on),
    recorded_by     TEXT NOT NULL,
    recorded_at     INTEGER NOT NULL,
    -- Set when staff withdrew it (recorded in error): the feed then
    -- carries its tombstone.
    withdrawn_at    INTEGER,
    withdrawn_by    TEXT,
    withdrawn_reason TEXT
);
CREATE INDEX certifications_by_organisation ON certifications(organisation_id, rev);
CREATE INDEX certifications_by_user ON certifications(user_id, rev);
