-- Whether the center itself deactivated the user (`aicc-portal admin
-- deactivate-user`): then only the center lets them sign in again, not
-- their organisation's partner admin.
ALTER TABLE users ADD COLUMN deactivated_by_center INTEGER NOT NULL DEFAULT 0;
-- Who deactivated a user before this was kept is not known: the safe
-- reading is the center, so that only its staff let them in again.
UPDATE users SET deactivated_by_center = 1 WHERE deactivated_at IS NOT NULL;

-- The room an organisation's attachments may take, in MiB, when the
-- center gives it other than `attachment_storage_mib_per_organisation`.
ALTER TABLE organisations ADD COLUMN attachment_storage_mib INTEGER;
