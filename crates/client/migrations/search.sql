-- The search index's own database, attached to the store's as `search`.
-- Rowids match catalog_models. Contentless: the text lives in the catalog.
-- Each model's task, domain, framework, licence and hardware are words of
-- the `filters` column (see migration 0008).
CREATE VIRTUAL TABLE search.catalog_search USING fts5(
    name, task, domain, provider, tags, filters,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
-- Sixteen segments merged at a time (see migration 0009).
INSERT INTO search.catalog_search (catalog_search, rank) VALUES ('automerge', 16);

-- The catalog's feed cursor the index is at; the store's own cursor says
-- whether it is behind.
CREATE TABLE search.catalog_search_cursor (rev INTEGER NOT NULL);
