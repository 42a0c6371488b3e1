-- With --insecure-dev on PostgreSQL: the dev clock every node follows (one row), so
-- moving it through any node moves them all (the change is also sent with NOTIFY).
CREATE TABLE dev_clock (
    id BIGINT PRIMARY KEY,
    fixed_ms BIGINT NOT NULL,
    offset_ms BIGINT NOT NULL
);
