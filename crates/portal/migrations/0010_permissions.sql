-- Who may do what (`permissions.rs`): members an organisation deactivated,
-- and what each personal access token may do and when it was last used.
ALTER TABLE users ADD COLUMN deactivated_at INTEGER;

-- Space-separated scope names; tokens made before scopes existed could do
-- everything, and keep that until they expire or are revoked.
ALTER TABLE personal_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'full';
ALTER TABLE personal_tokens ADD COLUMN last_used_at INTEGER;

-- Expired tokens are purged by age.
CREATE INDEX tokens_by_expiry ON tokens(expires_at);
CREATE INDEX personal_tokens_by_expiry ON personal_tokens(expires_at);
