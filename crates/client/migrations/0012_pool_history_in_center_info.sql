-- Each pool's last hours as its center last described them, for the
-- compute view offline too.
CREATE TABLE center_info_new (
    key        TEXT PRIMARY KEY CHECK (key IN ('pools', 'quota', 'account', 'pool_history')),
    body       TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
INSERT INTO center_info_new (key, body, fetched_at)
    SELECT key, body, fetched_at FROM center_info;
DROP TABLE center_info;
ALTER TABLE center_info_new RENAME TO center_info;
