-- The contract: every case carries a version, incremented by each change, which a
-- write must name (`If-Match`) so a stale client cannot overwrite what it has not seen.
ALTER TABLE cases ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
