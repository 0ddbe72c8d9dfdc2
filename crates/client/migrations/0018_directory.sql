-- Synced collections searched as the user types (`searchable.rs`): each
-- item's id and the name it is sorted by, under a rowid that puts it in
-- its collection's name order; its JSON apart, the values of its filters,
-- and the words it is found by (contentless FTS5, rowids of `searchable`;
-- Chinese is written a character to a word, so any part of a name is
-- found).
CREATE TABLE searchable (
    rowid      INTEGER PRIMARY KEY,
    collection TEXT NOT NULL,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL COLLATE NOCASE,
    UNIQUE (collection, id)
);
CREATE INDEX searchable_by_name ON searchable(collection, name, id);

-- How many items each collection holds: a search asks it every time.
CREATE TABLE searchable_sizes (
    collection TEXT PRIMARY KEY,
    items      INTEGER NOT NULL
);

CREATE TABLE searchable_bodies (
    rowid INTEGER PRIMARY KEY,
    body  TEXT NOT NULL
);

CREATE TABLE searchable_facets (
    collection TEXT NOT NULL,
    facet      TEXT NOT NULL,
    value      TEXT NOT NULL,
    item       INTEGER NOT NULL,
    PRIMARY KEY (collection, facet, value, item)
) WITHOUT ROWID;
CREATE INDEX searchable_facets_by_item ON searchable_facets(item);

CREATE VIRTUAL TABLE searchable_words USING fts5(
    words,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

-- The organisation's cooperations with other partners, as last synced (a
-- request not yet sent under a local id, with the outbox entry that sends
-- it; an answer waiting with its entry).
CREATE TABLE cooperation (
    id         TEXT PRIMARY KEY,
    rev        INTEGER NOT NULL,
    state      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    outbox_seq INTEGER
);
