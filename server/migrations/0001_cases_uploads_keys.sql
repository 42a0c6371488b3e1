-- Part 1 of the backend: cases and their history, idempotency keys, uploads, API keys.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    merchant_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    shopper_id TEXT NOT NULL,
    state TEXT NOT NULL,
    resolution TEXT NOT NULL,
    state_entered_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_by_owner ON cases (merchant_id, order_id, shopper_id, created_at);
CREATE TABLE IF NOT EXISTS case_events (
    case_id TEXT NOT NULL REFERENCES cases (id),
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    message TEXT,
    PRIMARY KEY (case_id, seq)
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    merchant_id TEXT NOT NULL,
    shopper_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status BIGINT NOT NULL,
    response_body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, shopper_id, idem_key)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counters (name, value) VALUES ('case_number', 0) ON CONFLICT (name) DO NOTHING;
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    shopper_id TEXT NOT NULL,
    length BIGINT NOT NULL,
    metadata TEXT NOT NULL,
    filename TEXT,
    filetype TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    media_type TEXT,
    object_key TEXT,
    size BIGINT
);
CREATE INDEX IF NOT EXISTS uploads_by_owner ON uploads (merchant_id, order_id, shopper_id);
CREATE INDEX IF NOT EXISTS uploads_by_expiry ON uploads (state, expires_at);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    merchant_id TEXT,
    platform BIGINT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
