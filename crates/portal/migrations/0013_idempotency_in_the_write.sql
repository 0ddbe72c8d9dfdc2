-- An answer is now kept in the transaction of the write it answers, so a
-- key is never "in flight". A row left without an answer by an earlier
-- version belongs to a request that was cut off: whether it made its
-- write is unknown either way, and keeping the row would refuse every
-- retry, so it goes.
DELETE FROM idempotency_keys WHERE status IS NULL;
