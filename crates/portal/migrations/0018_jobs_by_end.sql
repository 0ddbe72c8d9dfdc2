-- An estimate reads the jobs that ended last (how long they really ran).
CREATE INDEX jobs_by_end ON jobs(ended_at) WHERE ended_at IS NOT NULL;
