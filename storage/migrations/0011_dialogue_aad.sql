-- The dialogue's associated data binds each message's sender, kind and date (storage/dialogue.py),
-- so a relabelled row fails to open. SQL cannot re-encrypt: rows written before this migration are
-- marked version 1 here and re-sealed under version 2 by the bot when it opens the database
-- (bot.startup.open_database); the partial index finds them at once on every later start.
ALTER TABLE tip_messages ADD COLUMN aad_version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX tip_messages_old_aad ON tip_messages (id) WHERE aad_version = 1;
