-- The search index answers the filters too: a model's task, domain,
-- framework, licence and each of its hardware are kept in a column of
-- their own as one exact word each (a letter for the filter, then the
-- value in hex), so a filtered search is counted by joining two lists
-- inside the index instead of reading the row of every model the words
-- match (at 100k models, counting "resnet" on one hardware read 6,000
-- rows and took 14 ms). Text searches look at the other columns only.
DROP TABLE catalog_search;
CREATE VIRTUAL TABLE catalog_search USING fts5(
    name, task, domain, provider, tags, filters,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
INSERT INTO catalog_search (rowid, name, task, domain, provider, tags, filters)
SELECT rowid, name, task, domain, provider, tags,
       concat_ws(' ', 't' || hex(task), 'd' || hex(domain), 'f' || hex(framework), 'l' || hex(license),
                 (SELECT group_concat('h' || hex(hardware), ' ')
                  FROM catalog_hardware h WHERE h.model_rowid = m.rowid))
FROM catalog_models m;
-- The parameter range stays a condition on the rows; an index lets it
-- count without reading them all.
CREATE INDEX catalog_models_by_parameters ON catalog_models(parameters);
