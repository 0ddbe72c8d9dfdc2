-- The compute credits granted to the organisation, as its center last
-- sent them.
CREATE TABLE credits (
    id         TEXT PRIMARY KEY,
    rev        INTEGER NOT NULL,
    expires_at TEXT NOT NULL,
    body       TEXT NOT NULL
);
