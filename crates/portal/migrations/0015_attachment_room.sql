-- Who deactivated a user before `deactivated_by_center` was kept is not
-- known: the safe reading is the center, so that only its staff let them
-- in again.
UPDATE users SET deactivated_by_center = 1 WHERE deactivated_at IS NOT NULL;

-- The room an organisation's attachments may take, in MiB, when the
-- center gives it other than `attachment_storage_mib_per_organisation`.
ALTER TABLE organisations ADD COLUMN attachment_storage_mib INTEGER;

-- Housekeeping asks, for each old file, whether an attachment refers to it.
CREATE INDEX attachments_by_sha256 ON attachments(sha256);

-- A kept answer's method, path and query, hashed: an upload sent again
-- under its key is known for one before its body is read.
ALTER TABLE idempotency_keys ADD COLUMN route_hash BLOB;
