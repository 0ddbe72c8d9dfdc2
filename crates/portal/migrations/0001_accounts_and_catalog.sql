-- Organisations (partners and the center itself), their users, and tokens.
CREATE TABLE organisations (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    email           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL,
    password_hash   TEXT NOT NULL
);

-- Tokens are stored only as SHA-256 hashes. A refresh token belongs to a
-- family (one sign-in); presenting a refresh token that was already used
-- revokes the whole family.
CREATE TABLE tokens (
    hash       BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    family     BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    revoked_at INTEGER
) WITHOUT ROWID;
CREATE INDEX tokens_by_family ON tokens(family);

-- The server-wide, strictly increasing revision shared by every change feed.
CREATE TABLE revision (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    rev INTEGER NOT NULL
);
INSERT INTO revision (id, rev) VALUES (1, 0);

-- The catalog: one row per model, its latest revision, the JSON the feed
-- serves, and whether it was retired (served as a tombstone).
CREATE TABLE catalog_models (
    id      TEXT PRIMARY KEY,
    rev     INTEGER NOT NULL UNIQUE,
    retired INTEGER NOT NULL DEFAULT 0,
    body    TEXT NOT NULL
);
