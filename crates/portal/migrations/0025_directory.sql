-- The directory of certified solutions: one row per certified
-- application, with what its partner chose to show, and the partners'
-- public contacts and their cooperations.
CREATE TABLE directory_solutions (
    id              TEXT PRIMARY KEY REFERENCES applications(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    rev             INTEGER NOT NULL UNIQUE,
    -- JSON: the name, description, industries, hardware and frameworks
    -- the center certified, as the application said then.
    certified       TEXT NOT NULL,
    -- JSON: what the partner chose to show (SolutionProfile).
    shows           TEXT NOT NULL,
    -- Whether the partner lists it; a revoked or expired one is never shown.
    listed          INTEGER NOT NULL,
    certified_at    INTEGER NOT NULL,
    -- Set when its expiry was announced in the feed.
    expired_at      INTEGER,
    revoked_at      INTEGER,
    revoked_reason  TEXT,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX directory_solutions_by_organisation ON directory_solutions(organisation_id);

CREATE TABLE directory_contacts (
    organisation_id INTEGER PRIMARY KEY REFERENCES organisations(id),
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    website         TEXT NOT NULL
);

CREATE TABLE cooperations (
    id                TEXT PRIMARY KEY,
    solution_id       TEXT NOT NULL REFERENCES directory_solutions(id),
    from_organisation INTEGER NOT NULL REFERENCES organisations(id),
    to_organisation   INTEGER NOT NULL REFERENCES organisations(id),
    rev               INTEGER NOT NULL UNIQUE,
    asked_by          INTEGER NOT NULL REFERENCES users(id),
    message           TEXT NOT NULL,
    -- Space-separated offers.
    offers            TEXT NOT NULL,
    state             TEXT NOT NULL,
    note              TEXT,
    answered_by       INTEGER REFERENCES users(id),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX cooperations_from ON cooperations(from_organisation, rev);
CREATE INDEX cooperations_to ON cooperations(to_organisation, rev);

-- Solutions certified before the directory was: listed with everything
-- shown, certified when their last transition says. Their texts are
-- checked when shown (`directory::store::load`).
INSERT INTO directory_solutions (id, organisation_id, rev, certified, shows, listed, certified_at, updated_at)
SELECT a.id, a.organisation_id,
       (SELECT rev FROM revision WHERE id = 1) + ROW_NUMBER() OVER (ORDER BY a.id),
       json_object(
           'name', coalesce(json_extract(a.form, '$.solution_name'), ''),
           'description', coalesce(json_extract(a.form, '$.solution_description'), ''),
           'industries', json(coalesce(json_extract(a.form, '$.industries'), '[]')),
           'hardware', json(coalesce(json_extract(a.form, '$.target_hardware'), '[]')),
           'frameworks', json(coalesce(json_extract(a.form, '$.frameworks'), '[]'))),
       json_object('listed', json('true'), 'show_description', json('true'),
                   'show_industries', json('true'), 'show_hardware', json('true'),
                   'show_frameworks', json('true')),
       1,
       coalesce((SELECT max(at) FROM application_transitions t
                 WHERE t.application_id = a.id AND t.to_state = 'certified'), a.updated_at),
       a.updated_at
FROM applications a
WHERE a.state = 'certified' AND a.certificate_id IS NOT NULL;
UPDATE revision SET rev = rev + (SELECT count(*) FROM directory_solutions) WHERE id = 1;
