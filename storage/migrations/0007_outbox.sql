-- Messages that must reach someone (receipts, notices to reporters, liaisons' prompts), written in
-- the same transaction as what they tell of and handed to Telegram by handlers.outbox, with retries.
-- `key_hash` is a keyed hash of the event's name ("receipt:2026-000012"): the same event is never
-- queued twice. The chat id, text and buttons are sealed in `payload` under `dek_id`; both go once
-- the message is delivered or given up, so a delivered row names no chat.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    key_hash   BLOB NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    dek_id     INTEGER REFERENCES data_keys (id),
    payload    BLOB,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,  -- unix time
    next_at    REAL NOT NULL,  -- unix time of the next attempt
    last_error TEXT,           -- the error's class name, never its text
    done_on    TEXT,
    CHECK ((status = 'pending') = (payload IS NOT NULL))
);

CREATE INDEX outbox_due ON outbox (next_at) WHERE status = 'pending';
CREATE INDEX outbox_done ON outbox (done_on) WHERE status <> 'pending';
