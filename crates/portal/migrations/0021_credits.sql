-- Compute credits: NPU-hours the center grants an organisation (an
-- incubated startup) for a reason, until an instant. Kept apart from its
-- purchased quota and spent before it, the soonest-expiring grant first.
CREATE TABLE credits (
    id              TEXT PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    rev             INTEGER NOT NULL UNIQUE,
    npu_hours       REAL NOT NULL CHECK (npu_hours > 0),
    reason          TEXT NOT NULL,
    granted_by      INTEGER NOT NULL REFERENCES users(id),
    granted_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL CHECK (expires_at > granted_at),
    -- When jobs' charges last gave it a new revision: at most once a
    -- minute while they run, and once more when each ends.
    announced_at    INTEGER
);
CREATE INDEX credits_by_organisation_rev ON credits(organisation_id, rev);
CREATE INDEX credits_by_organisation_expiry ON credits(organisation_id, expires_at);

-- What jobs spent of each grant, by job and hour (unix ms at its start).
-- The rest of a job's `npu_hours_used` came from the quota.
CREATE TABLE credit_charges (
    credit_id TEXT NOT NULL REFERENCES credits(id),
    job_id    TEXT NOT NULL REFERENCES jobs(id),
    hour      INTEGER NOT NULL,
    npu_hours REAL NOT NULL CHECK (npu_hours >= 0),
    PRIMARY KEY (credit_id, job_id, hour)
) WITHOUT ROWID;
CREATE INDEX credit_charges_by_job ON credit_charges(job_id);
