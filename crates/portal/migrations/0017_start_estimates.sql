-- The start the center estimated for a job when it was submitted (Unix
-- ms: as likely as not by p50, nine times in ten by p90), kept to show the
-- partner beside the real start and to measure how good estimates are.
ALTER TABLE jobs ADD COLUMN estimated_p50 INTEGER;
ALTER TABLE jobs ADD COLUMN estimated_p90 INTEGER;
