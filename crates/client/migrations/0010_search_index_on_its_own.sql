-- The search index moves to a database of its own beside this one (see
-- `store::open_search`), so that a sync can write it on a second connection
-- while the catalog's rows are written on this one. It is built there from
-- the catalog the first time the store opens.
DROP TABLE catalog_search;
