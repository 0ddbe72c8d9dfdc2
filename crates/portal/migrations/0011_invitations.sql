-- Invitations a partner admin makes for new members (`accounts::members`).
-- The one-time code is kept only as its SHA-256 hash, like tokens.
CREATE TABLE invitations (
    id              TEXT PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    email           TEXT NOT NULL COLLATE NOCASE,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL,
    code_hash       BLOB NOT NULL UNIQUE,
    invited_by      INTEGER NOT NULL REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    accepted_at     INTEGER,
    withdrawn_at    INTEGER
);
CREATE INDEX invitations_by_organisation ON invitations(organisation_id, created_at);
