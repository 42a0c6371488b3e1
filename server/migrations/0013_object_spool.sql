-- The S3 spool (#17): an incomplete upload's bytes live in the bucket, and where they
-- are lives here, so any node can answer HEAD and take the next PATCH. `spool_offset`
-- is what has been persisted; `spool_parts` the JSON list of the multipart upload's
-- parts (their ETags, each 5 MiB), `spool_tail` the object holding the bytes after them.
-- One writer at a time across nodes: `lease_holder` (a request's random token) holds
-- the upload until `lease_until` (ms since the epoch, real time), renewed while it
-- writes; another request sets `lease_wanted` to ask it to let go.
ALTER TABLE uploads ADD COLUMN spool_offset BIGINT NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN spool_multipart TEXT;
ALTER TABLE uploads ADD COLUMN spool_parts TEXT NOT NULL DEFAULT '[]';
ALTER TABLE uploads ADD COLUMN spool_tail TEXT;
ALTER TABLE uploads ADD COLUMN spool_tail_size BIGINT NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN lease_holder TEXT;
ALTER TABLE uploads ADD COLUMN lease_until BIGINT;
ALTER TABLE uploads ADD COLUMN lease_wanted BIGINT NOT NULL DEFAULT 0;
