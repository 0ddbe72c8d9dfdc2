-- The key a refresh token's successor is derived from (HMAC-SHA-256 of the
-- token), so that a client whose answer was lost can present the same
-- token again, within a short interval, and get the same successor back,
-- while the successor is kept only as a hash like every token. Written
-- once by the portal from the OS's randomness.
CREATE TABLE rotation_key (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    key BLOB NOT NULL CHECK (length(key) = 32)
);
