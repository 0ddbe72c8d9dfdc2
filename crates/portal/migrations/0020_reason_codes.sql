-- Why a job is where it is, as a code with parameters beside the words,
-- so that each app words it in its user's language.
ALTER TABLE jobs ADD COLUMN reason_code TEXT;
ALTER TABLE job_transitions ADD COLUMN reason_code TEXT;
