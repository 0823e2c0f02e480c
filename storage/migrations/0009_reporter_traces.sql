-- The reporter's traces: once a conversation has ended, nothing at rest ties a chat to a tip.
--
-- A chat's language choice, alone: found by the same keyed hash as chat_state, with no date, no data
-- key and no row id (WITHOUT ROWID: rows sit in the order of their hashes, not of their writing),
-- so it says that a chat chose a language, never when, nor what else it did. chat_state now holds
-- only live conversations (a draft, a form) and is deleted when they end (storage.state).
CREATE TABLE chat_language (
    chat_hash BLOB PRIMARY KEY,
    lang      TEXT NOT NULL
) WITHOUT ROWID;

-- Tips a day were counted under a keyed hash of (chat id, day) that the key ring recomputes, written
-- with the tip: they are now counted in memory under a random key of the day (storage.limits).
-- The old rows go; what is left here is the wrong-code counter (its window starts at an instant).
DELETE FROM limit_counters WHERE length(window_start) = 10;

-- A delivered or abandoned message keeps the day it was done, not the instant it was queued.
UPDATE outbox SET created_at = CAST(strftime('%s', done_on) AS REAL), next_at = CAST(strftime('%s', done_on) AS REAL)
    WHERE status <> 'pending' AND done_on IS NOT NULL;
