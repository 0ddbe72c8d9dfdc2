-- A milestone's evidence takes attachments as an application does: the
-- table holds both, each attached to one application or one milestone.
CREATE TABLE attachments_new (
    id             TEXT PRIMARY KEY,
    application_id TEXT REFERENCES applications(id),
    milestone_id   TEXT REFERENCES milestones(id),
    file_name      TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    size_bytes     INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    CHECK ((application_id IS NULL) <> (milestone_id IS NULL))
);
INSERT INTO attachments_new (id, application_id, file_name, media_type, size_bytes, sha256,
        created_at)
    SELECT id, application_id, file_name, media_type, size_bytes, sha256, created_at
    FROM attachments;
DROP TABLE attachments;
ALTER TABLE attachments_new RENAME TO attachments;
CREATE INDEX attachments_by_application ON attachments(application_id);
CREATE INDEX attachments_by_milestone ON attachments(milestone_id);
CREATE INDEX attachments_by_sha256 ON attachments(sha256);
