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
-- with the tip; wrong receipt codes under a keyed hash of the chat, with instants that the audit
-- log's instant of the reporter's next action could match. Both are now counted in memory only
-- (storage.limits): the rows go, and the table stays empty.
DELETE FROM limit_counters;

-- A delivered or abandoned message keeps the day it was done, not the instant it was queued.
UPDATE outbox SET created_at = CAST(strftime('%s', done_on) AS REAL), next_at = CAST(strftime('%s', done_on) AS REAL)
    WHERE status <> 'pending' AND done_on IS NOT NULL;
