-- Every column that references data_keys gets an index. Shredding a key (every save of a chat's
-- state shreds the old one) makes SQLite check each referencing table for a row still pointing at
-- it; without these indexes that check read `tips` three times, and the state tables, whole: 75 ms
-- per shred with 100,000 tips (bench/growth.py). Rewards are found by the days they were decided
-- and paid (the year's ledger in /stats).
CREATE INDEX tips_dek ON tips (dek_id);
CREATE INDEX tips_identity_dek ON tips (identity_dek_id);
CREATE INDEX tips_contact_dek ON tips (contact_dek_id);
CREATE INDEX chat_state_dek ON chat_state (dek_id);
CREATE INDEX conversation_state_dek ON conversation_state (dek_id);
CREATE INDEX draft_files_dek ON draft_files (dek_id);
CREATE INDEX rewards_payee_dek ON rewards (payee_dek_id);
CREATE INDEX outbox_dek ON outbox (dek_id);
CREATE INDEX rewards_decided ON rewards (decided_on);
CREATE INDEX rewards_paid ON rewards (paid_on);
