-- When retired models are purged after the retention period, a cursor older
-- than the last purged tombstone can no longer be served: such a client
-- must re-list from 0 (410).
ALTER TABLE catalog_models ADD COLUMN retired_at INTEGER;

CREATE TABLE feed_floors (
    collection TEXT PRIMARY KEY,
    rev        INTEGER NOT NULL
);
