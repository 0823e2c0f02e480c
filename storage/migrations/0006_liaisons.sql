-- Units (villages, communities, township departments) and their liaisons (docs/DOMAIN.md section 7).
-- Liaisons are officials known by their Telegram user id, like staff; the contact table is their
-- work contact (the county's own form lists it), plaintext. Nothing here names a tip.
CREATE TABLE units (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    kind     TEXT NOT NULL CHECK (kind IN ('village', 'community', 'department')),
    active   INTEGER NOT NULL DEFAULT 1,
    added_on TEXT NOT NULL
);

-- Every liaison a unit has had; the current one has no `until`. A handover ends the old row.
CREATE TABLE liaisons (
    id      INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    user_id INTEGER NOT NULL,
    lang    TEXT NOT NULL,
    contact TEXT NOT NULL,  -- JSON of core.liaisons.Contact
    since   TEXT NOT NULL,
    until   TEXT
);
CREATE UNIQUE INDEX liaisons_current ON liaisons (unit_id) WHERE until IS NULL;
CREATE INDEX liaisons_user ON liaisons (user_id) WHERE until IS NULL;

-- Invites for liaisons name their unit.
ALTER TABLE invites ADD COLUMN unit_id INTEGER REFERENCES units (id);

-- Monthly figures: every version is kept; the latest counts. Values are JSON of column code → int
-- (counts, or yuan for money), blank fields already confirmed as 0.
CREATE TABLE figure_reports (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    period       TEXT NOT NULL,  -- '2026-10'
    template     TEXT NOT NULL,
    version      INTEGER NOT NULL CHECK (version >= 1),
    figures      TEXT NOT NULL,
    submitted_by INTEGER NOT NULL,
    submitted_at TEXT NOT NULL,
    late         INTEGER NOT NULL CHECK (late IN (0, 1)),
    UNIQUE (unit_id, period, version)
);
CREATE INDEX figure_reports_period ON figure_reports (period);

-- A period the admin has locked: no more corrections ('2026-10' or '2026-Q3').
CREATE TABLE period_locks (
    period    TEXT PRIMARY KEY,
    locked_by INTEGER NOT NULL,
    locked_at TEXT NOT NULL
);

-- The quarter's activity summary and 典型案例, with documents; every version kept.
CREATE TABLE quarter_reports (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    period       TEXT NOT NULL,  -- '2026-Q3'
    version      INTEGER NOT NULL CHECK (version >= 1),
    summary      TEXT NOT NULL,
    cases        TEXT NOT NULL,
    submitted_by INTEGER NOT NULL,
    submitted_at TEXT NOT NULL,
    late         INTEGER NOT NULL CHECK (late IN (0, 1)),
    UNIQUE (unit_id, period, version)
);

-- Documents attached to a quarter's report (official papers, not reporters' files): kept as sent.
CREATE TABLE quarter_files (
    id        INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES quarter_reports (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    mime      TEXT NOT NULL,
    body      BLOB NOT NULL
);
