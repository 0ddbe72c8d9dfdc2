-- Updating a model cleared its hardware rows with a scan of the whole table
-- (the key starts with the hardware): 1.5 ms a model at 100k models.
CREATE INDEX catalog_hardware_by_model ON catalog_hardware(model_rowid);

-- The search index covers what partners type to find a model: its name,
-- task, domain and provider, and as tags its industries, hardware,
-- framework, licence and benchmark datasets. Model cards are no longer
-- indexed: they were nine tenths of the index, made a first sync 1.6 times
-- slower and matched common words in every card.
DROP TABLE catalog_search;
CREATE VIRTUAL TABLE catalog_search USING fts5(
    name, task, domain, provider, tags,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
INSERT INTO catalog_search (rowid, name, task, domain, provider, tags)
SELECT rowid, name, task, domain, provider,
       concat_ws(' ',
           (SELECT group_concat(value, ' ') FROM json_each(body, '$.industries')),
           (SELECT group_concat(value, ' ') FROM json_each(body, '$.hardware')),
           framework,
           license,
           (SELECT group_concat(json_extract(value, '$.dataset'), ' ') FROM json_each(body, '$.metrics')))
FROM catalog_models;
