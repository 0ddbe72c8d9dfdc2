-- A model's tags as last indexed, so an update that leaves its searchable
-- text alone (downloads, stars, versions) does not rewrite the search index.
ALTER TABLE catalog_models ADD COLUMN tags TEXT NOT NULL DEFAULT '';
UPDATE catalog_models SET tags = (
    SELECT concat_ws(' ',
               (SELECT group_concat(value, ' ') FROM json_each(b.body, '$.industries')),
               (SELECT group_concat(value, ' ') FROM json_each(b.body, '$.hardware')),
               catalog_models.framework,
               catalog_models.license,
               (SELECT group_concat(json_extract(value, '$.dataset'), ' ') FROM json_each(b.body, '$.metrics')))
    FROM catalog_bodies b WHERE b.rowid = catalog_models.rowid);
