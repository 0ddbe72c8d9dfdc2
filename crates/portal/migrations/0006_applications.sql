-- Partner applications, their timeline, and their attachments (files are
-- stored on disk by content hash under data_dir/attachments).
CREATE TABLE applications (
    id              TEXT PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    rev             INTEGER NOT NULL UNIQUE,
    state           TEXT NOT NULL,
    form            TEXT NOT NULL,
    certificate_id  TEXT UNIQUE,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX applications_by_organisation_rev ON applications(organisation_id, rev);

CREATE TABLE application_transitions (
    seq            INTEGER PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications(id),
    from_state     TEXT,
    to_state       TEXT NOT NULL,
    actor_user_id  INTEGER NOT NULL REFERENCES users(id),
    at             INTEGER NOT NULL,
    comment        TEXT
);
CREATE INDEX application_transitions_by_application ON application_transitions(application_id, seq);

CREATE TABLE attachments (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications(id),
    file_name      TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    size_bytes     INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX attachments_by_application ON attachments(application_id);
