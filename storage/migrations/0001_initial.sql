-- Data keys: one per encrypted record, stored only wrapped by a key-encryption key of the key ring.
-- Deleting a row here destroys the record it protects (crypto-shredding).
CREATE TABLE data_keys (
    id         INTEGER PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('content', 'identity', 'contact', 'session')),
    kek_id     TEXT NOT NULL,
    wrapped    BLOB NOT NULL,
    created_on TEXT NOT NULL
);
CREATE INDEX data_keys_kek ON data_keys (kek_id);

-- Per-chat data (language, drafts). The chat is known only by a keyed hash; its id and data
-- are sealed under a session data key.
CREATE TABLE chat_state (
    chat_hash  BLOB PRIMARY KEY,
    dek_id     INTEGER NOT NULL REFERENCES data_keys (id),
    chat_id    BLOB NOT NULL,
    data       BLOB NOT NULL,
    updated_on TEXT NOT NULL
);

-- Conversation states of persistent ConversationHandlers, keyed the same way.
CREATE TABLE conversation_state (
    name       TEXT NOT NULL,
    key_hash   BLOB NOT NULL,
    dek_id     INTEGER NOT NULL REFERENCES data_keys (id),
    conv_key   BLOB NOT NULL,
    state      BLOB NOT NULL,
    updated_on TEXT NOT NULL,
    PRIMARY KEY (name, key_hash)
);
