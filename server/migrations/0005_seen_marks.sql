-- Seen marks: how much of its history the case's shopper has seen (events up to this
-- seq). What others wrote after it is unread; the launcher shows a badge for it.
ALTER TABLE cases ADD COLUMN shopper_seen BIGINT NOT NULL DEFAULT 0;
