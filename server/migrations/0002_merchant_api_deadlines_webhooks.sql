-- Part 2: merchant listing by problem type, the scheduler's due times, webhook deliveries.
ALTER TABLE cases ADD COLUMN problem_type TEXT NOT NULL DEFAULT '';
-- When the current state's automatic consequence falls due (NULL: nothing automatic).
ALTER TABLE cases ADD COLUMN due_at BIGINT;
CREATE INDEX cases_by_merchant ON cases (merchant_id, created_at, id);
CREATE INDEX cases_by_state ON cases (state, created_at, id);
CREATE INDEX cases_due ON cases (due_at);
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    event_seq BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    -- pending, delivered or failed (retries exhausted)
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_status BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_by_merchant ON webhook_deliveries (merchant_id, created_at, id);
