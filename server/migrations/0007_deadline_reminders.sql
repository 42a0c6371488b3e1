-- "Deadline near" emails: the deadline (its due_at) the shopper was last reminded of,
-- so each deadline is reminded of once.
ALTER TABLE cases ADD COLUMN reminded_due_at BIGINT;
