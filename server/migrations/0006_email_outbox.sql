-- The email outbox: a shopper's notification is written in the same transaction as the
-- case event it tells of (so a crash loses none), then sent over SMTP by a worker.
CREATE TABLE email_outbox (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    event_seq BIGINT NOT NULL,
    to_address TEXT NOT NULL,
    from_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- pending, sent or failed (retries exhausted)
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX email_outbox_due ON email_outbox (state, next_attempt_at);
