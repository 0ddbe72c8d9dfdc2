-- Counting, filtering and sorting read catalog_models row by row, and each
-- row carried the model's JSON (kilobytes): a filter over 100k models read
-- the whole catalog from disk. The JSON moves to a table of its own, read
-- only to open a model's page.
CREATE TABLE catalog_bodies (
    rowid INTEGER PRIMARY KEY,
    body  TEXT NOT NULL
);
INSERT INTO catalog_bodies (rowid, body) SELECT rowid, body FROM catalog_models;
ALTER TABLE catalog_models DROP COLUMN body;

