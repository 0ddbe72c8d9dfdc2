-- Models each user keeps as favourites, so every device of theirs shows them.
CREATE TABLE favourites (
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, model_id)
);
