-- Who the center is (its name and description, GET /v1/center), kept
-- beside its pools so the app names it offline too.
CREATE TABLE center_info_new (
    key        TEXT PRIMARY KEY CHECK (key IN ('pools', 'quota', 'account', 'pool_history', 'center')),
    body       TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
INSERT INTO center_info_new (key, body, fetched_at)
    SELECT key, body, fetched_at FROM center_info;
DROP TABLE center_info;
ALTER TABLE center_info_new RENAME TO center_info;
