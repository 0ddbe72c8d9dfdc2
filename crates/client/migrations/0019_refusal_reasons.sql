-- Why the center refused a write, as the code the window words in its
-- user's language (JSON of `ReasonCode`); NULL when the center gave none.
ALTER TABLE outbox ADD COLUMN error_reason TEXT;
