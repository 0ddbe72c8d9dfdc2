-- Who may do what (`permissions.rs`) and what is bounded: members an
-- organisation deactivated, what each personal access token may do and when
-- it was last used, the log kept per job.
ALTER TABLE users ADD COLUMN deactivated_at INTEGER;

-- Space-separated scope names; tokens made before scopes existed could do
-- everything, and keep that until they expire or are revoked.
ALTER TABLE personal_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'full';
ALTER TABLE personal_tokens ADD COLUMN last_used_at INTEGER;

-- Log text kept per job, for its cap (`jobs::scheduler::MAX_LOG_BYTES`).
ALTER TABLE jobs ADD COLUMN log_bytes INTEGER NOT NULL DEFAULT 0;

-- Expired tokens are purged by age.
CREATE INDEX tokens_by_expiry ON tokens(expires_at);
CREATE INDEX personal_tokens_by_expiry ON personal_tokens(expires_at);
