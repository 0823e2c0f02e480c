-- The case workflow of docs/DOMAIN.md section 4.

-- A tip merged as a duplicate names the earlier tip it follows (which keeps reward priority).
ALTER TABLE tips ADD COLUMN merged_into TEXT REFERENCES tips (number);
CREATE INDEX tips_merged_into ON tips (merged_into);

-- 核查结果: structured and plaintext, for statistics and rewards; free text goes in the reply.
CREATE TABLE verifications (
    tip_id      INTEGER PRIMARY KEY REFERENCES tips (id) ON DELETE CASCADE,
    on_date     TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('true', 'partly', 'false')),
    problems    TEXT NOT NULL DEFAULT '',
    measures    TEXT NOT NULL DEFAULT '',
    fine_fen    INTEGER NOT NULL DEFAULT 0 CHECK (fine_fen >= 0),
    recorded_by INTEGER NOT NULL
);

-- Requests the admin decides: an extension of the verification deadline, or the disclosure of a
-- reporter's identity to the requester. The reason is sealed under the tip's content key.
CREATE TABLE case_requests (
    id           INTEGER PRIMARY KEY,
    tip_id       INTEGER NOT NULL REFERENCES tips (id) ON DELETE CASCADE,
    uid          TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('extension', 'disclosure')),
    requested_by INTEGER NOT NULL,
    requested_on TEXT NOT NULL,
    days         INTEGER CHECK (days IS NULL OR days > 0),
    reason       BLOB NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'refused')),
    decided_by   INTEGER,
    decided_on   TEXT
);
CREATE INDEX case_requests_tip ON case_requests (tip_id, kind);

-- Deadline reminders already sent, by a key naming what they were about (never sent twice).
CREATE TABLE reminders_sent (
    key     TEXT PRIMARY KEY,
    sent_on TEXT NOT NULL
);
