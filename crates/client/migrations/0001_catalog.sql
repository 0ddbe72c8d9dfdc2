-- Where each synced collection's change feed was last read up to.
CREATE TABLE sync_cursors (
    collection TEXT PRIMARY KEY,
    rev        INTEGER NOT NULL,
    synced_at  TEXT NOT NULL
);

-- The catalog as last synced: the columns search filters and sorts on, and
-- the model's wire JSON for its page.
CREATE TABLE catalog_models (
    rowid      INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    rev        INTEGER NOT NULL,
    name       TEXT NOT NULL,
    provider   TEXT NOT NULL,
    task       TEXT NOT NULL,
    domain     TEXT NOT NULL,
    framework  TEXT NOT NULL,
    license    TEXT NOT NULL,
    parameters INTEGER,
    stars      INTEGER NOT NULL,
    downloads  INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX catalog_models_by_name ON catalog_models(name COLLATE NOCASE);

-- Full-text index over what a user types to find a model; rowids match
-- catalog_models. Contentless: the text lives in catalog_models already.
CREATE VIRTUAL TABLE catalog_search USING fts5(
    name, task, domain, provider, tags, card,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
