-- Staff members' authenticators (TOTP, services.stepup): the secret sealed under a data key of the
-- new 'staff' purpose. enrolled_on NULL: enrolment begun, not yet confirmed by two codes. last_step:
-- the 30-second step of the last code accepted (a code of that step or before is a replay).
-- session_until: until when no code is asked again. window_start, failures, locked_until: the wrong
-- codes counted by core.totp.TOTP_ATTEMPTS. Times are ISO 8601 with their offset.
--
-- data_keys' CHECK gains the 'staff' purpose. SQLite cannot change a CHECK in place, so the table is
-- rebuilt under the same name: its rows are kept aside, the table dropped and made again, and the rows
-- put back. The tables that reference data_keys keep referring to it by name; with the foreign keys
-- deferred to the commit, the rows put back answer every reference the drop left open.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE data_keys_kept AS SELECT id, purpose, kek_id, wrapped, created_on FROM data_keys;
DROP TABLE data_keys;
CREATE TABLE data_keys (
    id         INTEGER PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('content', 'identity', 'contact', 'session', 'staff')),
    kek_id     TEXT NOT NULL,
    wrapped    BLOB NOT NULL,
    created_on TEXT NOT NULL
);
INSERT INTO data_keys (id, purpose, kek_id, wrapped, created_on)
    SELECT id, purpose, kek_id, wrapped, created_on FROM data_keys_kept ORDER BY id;
DROP TABLE data_keys_kept;
CREATE INDEX data_keys_kek ON data_keys (kek_id);

CREATE TABLE staff_totp (
    user_id      INTEGER PRIMARY KEY REFERENCES staff (user_id),
    dek_id       INTEGER NOT NULL REFERENCES data_keys (id),
    secret       BLOB NOT NULL,
    enrolled_on  TEXT,
    last_step    INTEGER,
    session_until TEXT,
    window_start TEXT,
    failures     INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT
);
CREATE INDEX staff_totp_dek ON staff_totp (dek_id);

-- An admin's request to reset another admin's authenticator, where a second admin must approve
-- (four eyes, as for a disclosure). A reset that needs no approval is only audited.
CREATE TABLE totp_resets (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES staff (user_id),
    requested_by INTEGER NOT NULL REFERENCES staff (user_id),
    requested_on TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'refused')),
    decided_by   INTEGER REFERENCES staff (user_id),
    decided_on   TEXT
);
CREATE INDEX totp_resets_pending ON totp_resets (user_id) WHERE state = 'pending';
