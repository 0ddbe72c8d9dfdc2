-- How each pool's free NPUs and queue stood, sampled every few minutes
-- by the scheduler and kept for `POOL_HISTORY_HOURS`: the compute view's
-- charts.
CREATE TABLE pool_samples (
    pool_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    free_npus INTEGER NOT NULL,
    queued_jobs INTEGER NOT NULL,
    PRIMARY KEY (pool_id, at_ms)
) WITHOUT ROWID;
