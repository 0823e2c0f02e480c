-- Keys held by people (core.keys; docs/ARCHITECTURE.md "Keys held by people").
--
-- A record's key of purpose 'people' is a key pair: data_keys.wrapped holds its public key (kek_id
-- 'people': no key of the ring wraps it), and its private key is stored only sealed in key_wraps: to
-- a key group's public key, or under a key derived from the reporter's receipt code. A tip's content,
-- dialogue and files are sealed to such a key; a reporter's identity to one that only the office's
-- group holds; payee details to one the reward officers' group holds.
--
-- data_keys' CHECK gains 'people' (rebuilt as migration 0012 does, the references deferred).
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE data_keys_kept AS SELECT id, purpose, kek_id, wrapped, created_on FROM data_keys;
DROP TABLE data_keys;
CREATE TABLE data_keys (
    id         INTEGER PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('content', 'identity', 'contact', 'session', 'staff', 'people')),
    kek_id     TEXT NOT NULL,
    wrapped    BLOB NOT NULL,
    created_on TEXT NOT NULL
);
INSERT INTO data_keys (id, purpose, kek_id, wrapped, created_on)
    SELECT id, purpose, kek_id, wrapped, created_on FROM data_keys_kept ORDER BY id;
DROP TABLE data_keys_kept;
CREATE INDEX data_keys_kek ON data_keys (kek_id);

-- Key groups: 'office' (admins, intake officers, auditors), 'rewards' (reward officers, admins) and
-- one per department ('dept:<code>'). The private key is stored only in key_grants. A rotated group
-- key is retired: it still opens what was sealed to it, and nothing new is.
CREATE TABLE key_groups (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    public     BLOB NOT NULL,
    created_on TEXT NOT NULL,
    retired_on TEXT
);
CREATE UNIQUE INDEX key_groups_current ON key_groups (name) WHERE retired_on IS NULL;

-- A staff member's own key pair: the private key under their passphrase (core.keys.wrap_private).
CREATE TABLE member_keys (
    user_id INTEGER PRIMARY KEY,
    public  BLOB NOT NULL,
    wrapped BLOB NOT NULL,
    set_on  TEXT NOT NULL
);

-- A group's private key sealed to a holder's public key: a staff member's (holder = user id) or the
-- office's recovery key (holder 0), whose words are kept in a safe.
CREATE TABLE key_grants (
    group_id   INTEGER NOT NULL REFERENCES key_groups (id),
    holder     INTEGER NOT NULL,
    sealed     BLOB NOT NULL,
    granted_by INTEGER,
    granted_on TEXT NOT NULL,
    PRIMARY KEY (group_id, holder)
);
CREATE INDEX key_grants_holder ON key_grants (holder);

-- A 'people' record key's private half: sealed to a group ('group:<id>'), or under the receipt code
-- ('receipt'). Deleting the data key (retention) deletes these with it.
CREATE TABLE key_wraps (
    dek_id INTEGER NOT NULL REFERENCES data_keys (id) ON DELETE CASCADE,
    holder TEXT NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (dek_id, holder)
);

-- The office's recovery key: its public key (the words that make its private key were shown once).
CREATE TABLE recovery_key (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    public     BLOB NOT NULL,
    created_on TEXT NOT NULL
);
