-- Executors that run jobs on a cluster (Slurm) report what the cluster has.
-- `free_npus` is the cluster's own count of free NPUs in the pool, NULL when
-- the portal counts them from its jobs (the simulated executor).
ALTER TABLE pools ADD COLUMN free_npus INTEGER;

-- Where the job's log was read up to, in the executor's terms (bytes of a
-- Slurm job's output file).
ALTER TABLE jobs ADD COLUMN log_offset INTEGER NOT NULL DEFAULT 0;
-- Since when the executor cannot tell the job's state (its cluster does not
-- answer), unix ms; NULL while it can.
ALTER TABLE jobs ADD COLUMN unknown_since INTEGER;
