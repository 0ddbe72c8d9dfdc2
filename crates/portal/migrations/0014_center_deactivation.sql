-- Whether the center itself deactivated the user (`aicc-portal admin
-- deactivate-user`): then only the center lets them sign in again, not
-- their organisation's partner admin.
ALTER TABLE users ADD COLUMN deactivated_by_center INTEGER NOT NULL DEFAULT 0;
