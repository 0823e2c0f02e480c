-- Staff are known by their Telegram user id, by design: they act for the office and are accountable.
CREATE TABLE staff (
    user_id  INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    active   INTEGER NOT NULL DEFAULT 1,
    added_on TEXT NOT NULL
);

-- Roles: admin (custodian), intake, department (one row per department), reward, auditor.
CREATE TABLE staff_roles (
    user_id    INTEGER NOT NULL REFERENCES staff (user_id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'intake', 'department', 'reward', 'auditor')),
    department TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, role, department)
);

-- One-time invite codes, stored as keyed hashes; what they grant is plaintext.
CREATE TABLE invites (
    code_hash  BLOB PRIMARY KEY,
    kind       TEXT NOT NULL,
    role       TEXT,
    department TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL,
    expires_at TEXT NOT NULL,
    used_by    INTEGER,
    used_at    TEXT
);

-- The append-only audit log. Each entry carries a keyed hash over itself and the previous entry's
-- hash, so an edited or deleted row breaks the chain (`python -m bot audit verify`).
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     INTEGER,
    action    TEXT NOT NULL,
    tip       TEXT,
    detail    TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_tip ON audit_log (tip);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- The tip's next deadline, whatever it is for (accepting, verifying, replying, reviewing), kept
-- by the workflow so the inbox and reminders filter without computing; NULL when none applies.
ALTER TABLE tips ADD COLUMN due_on TEXT;
UPDATE tips SET due_on = accept_due WHERE status = 'received';
CREATE INDEX tips_due ON tips (due_on);
