-- The reward ledger (docs/DOMAIN.md section 5): one reward per tip, from decision to payment.
-- Amounts are integer fen. The payee details are sealed under their own identity-purpose key,
-- seen only by reward officers (each view audited); the claim code is kept as a keyed hash.
CREATE TABLE rewards (
    id                 INTEGER PRIMARY KEY,
    tip_id             INTEGER NOT NULL UNIQUE REFERENCES tips (id) ON DELETE CASCADE,
    state              TEXT NOT NULL
        CHECK (state IN ('proposed', 'approved', 'notified', 'claimed', 'paid', 'lapsed', 'refused')),
    rule_set           TEXT NOT NULL,
    suggested_fen      INTEGER NOT NULL CHECK (suggested_fen >= 0),
    amount_fen         INTEGER NOT NULL CHECK (amount_fen >= 0),
    -- The computation, figures only ("罚款 ¥80,000 × 15% = ¥12,000").
    explanation        TEXT NOT NULL,
    refusal            TEXT,
    decided_on         TEXT NOT NULL,
    decided_by         INTEGER NOT NULL,
    approved_on        TEXT,
    approved_by        INTEGER,
    notified_on        TEXT,
    claim_due          TEXT,
    claim_method       TEXT CHECK (claim_method IS NULL OR claim_method IN ('payee', 'in_person')),
    claimed_on         TEXT,
    payee_dek_id       INTEGER REFERENCES data_keys (id),
    payee              BLOB,
    claim_code_hash    BLOB,
    claim_code_used_on TEXT,
    paid_on            TEXT,
    paid_fen           INTEGER CHECK (paid_fen IS NULL OR paid_fen >= 0),
    paid_method        TEXT,
    paid_ref           TEXT
);
CREATE INDEX rewards_state ON rewards (state);

-- Why an amount was changed or a lapsed reward reopened: sealed under the tip's content key.
CREATE TABLE reward_notes (
    id        INTEGER PRIMARY KEY,
    reward_id INTEGER NOT NULL REFERENCES rewards (id) ON DELETE CASCADE,
    uid       TEXT NOT NULL UNIQUE,
    on_date   TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('change', 'reopen')),
    reason    BLOB NOT NULL
);
