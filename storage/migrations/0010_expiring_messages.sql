-- Messages the bot sent to staff with decrypted content (a tip's card and dialogue, evidence files,
-- a reporter's identity, payee details), to be deleted from the staff chat at `delete_after` (Unix
-- seconds) by a repeating job (handlers.office.sensitive). Chat ids here are staff's, never a
-- reporter's. A row goes once its message is deleted, or once Telegram says it cannot be.
CREATE TABLE expiring_messages (
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    sent_at INTEGER NOT NULL,
    delete_after INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
) WITHOUT ROWID;
CREATE INDEX expiring_messages_due ON expiring_messages (delete_after);
