-- Tips. Plaintext columns are only what routing, reminders and statistics need (ARCHITECTURE.md);
-- what the reporter wrote is sealed in `content` under the tip's content key `dek_id`.
CREATE TABLE tips (
    id              INTEGER PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    year            INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    industry        TEXT NOT NULL,
    village         TEXT,
    department      TEXT NOT NULL,
    involves_death  INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL,
    received_on     TEXT NOT NULL,
    accept_due      TEXT NOT NULL,
    has_identity    INTEGER NOT NULL DEFAULT 0,
    wants_push      INTEGER NOT NULL DEFAULT 0,
    dek_id          INTEGER NOT NULL REFERENCES data_keys (id),
    content         BLOB NOT NULL,
    -- A real name and phone, sealed under their own identity key; NULL when anonymous.
    identity_dek_id INTEGER REFERENCES data_keys (id),
    identity        BLOB,
    -- The chat to push notices to, sealed under a contact key; NULL when not opted in or closed.
    contact_dek_id  INTEGER REFERENCES data_keys (id),
    contact         BLOB,
    receipt_hash    TEXT NOT NULL,
    -- A keyed hash of the draft the tip came from: the same draft never makes two tips. Cleared
    -- after two days (housekeeping), so that no old copy of a chat's state can be matched to a tip.
    draft_hash      BLOB UNIQUE,
    UNIQUE (year, seq)
);
CREATE INDEX tips_status ON tips (status);
CREATE INDEX tips_department_status ON tips (department, status);
CREATE INDEX tips_received ON tips (received_on);

-- Status history: plaintext dates and statuses.
CREATE TABLE tip_events (
    id      INTEGER PRIMARY KEY,
    tip_id  INTEGER NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    on_date TEXT NOT NULL,
    status  TEXT NOT NULL
);
CREATE INDEX tip_events_tip ON tip_events (tip_id);

-- The anonymous dialogue, sealed under the tip's content key.
CREATE TABLE tip_messages (
    id      INTEGER PRIMARY KEY,
    tip_id  INTEGER NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    uid     TEXT NOT NULL UNIQUE,
    on_date TEXT NOT NULL,
    sender  TEXT NOT NULL CHECK (sender IN ('reporter', 'office')),
    kind    TEXT NOT NULL,
    body    BLOB NOT NULL
);
CREATE INDEX tip_messages_tip ON tip_messages (tip_id);

-- Evidence: the bytes and their description, sealed under the tip's content key.
CREATE TABLE tip_files (
    id      INTEGER PRIMARY KEY,
    tip_id  INTEGER NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    uid     TEXT NOT NULL UNIQUE,
    on_date TEXT NOT NULL,
    kind    TEXT NOT NULL,
    size    INTEGER NOT NULL,
    meta    BLOB NOT NULL,
    data    BLOB NOT NULL
);
CREATE INDEX tip_files_tip ON tip_files (tip_id);

-- Evidence of a draft not yet submitted, each file under its own key. Found by a keyed hash of
-- the draft's token (the token itself lives only in the encrypted chat state).
CREATE TABLE draft_files (
    id         INTEGER PRIMARY KEY,
    draft_hash BLOB NOT NULL,
    dek_id     INTEGER NOT NULL REFERENCES data_keys (id),
    kind       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    meta       BLOB NOT NULL,
    data       BLOB NOT NULL,
    created_on TEXT NOT NULL
);
CREATE INDEX draft_files_draft ON draft_files (draft_hash);

-- Counters for limits (tips a day, wrong receipt codes), keyed by hashes that change with the
-- window, so that no row links one chat's activity across days.
CREATE TABLE limit_counters (
    key_hash     BLOB PRIMARY KEY,
    window_start TEXT NOT NULL,
    count        INTEGER NOT NULL,
    locked_until TEXT
);

-- Updates already handled, so one Telegram delivers twice is handled once. Update ids are the
-- bot's own counter and identify no one.
CREATE TABLE processed_updates (
    update_id INTEGER PRIMARY KEY,
    on_date   TEXT NOT NULL
);
