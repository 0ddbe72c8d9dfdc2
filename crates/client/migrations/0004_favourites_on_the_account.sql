-- Favourites now live on the account too: those kept before are sent once.
INSERT INTO outbox (write, idempotency_key, created_at)
SELECT json_object('kind', 'set_favourite', 'model_id', model_id, 'favourite', json('true')),
       lower(hex(randomblob(16))),
       added_at
FROM favourites
ORDER BY added_at;
