-- What the center last said about its pools and the organisation's quota,
-- so the training form works from the local store too.
CREATE TABLE center_info (
    key        TEXT PRIMARY KEY CHECK (key IN ('pools', 'quota')),
    body       TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
