-- The console's queue: what a case is found by (order id, case number, the shopper's
-- phone, tracking numbers, as `protocol::staff::search_key`s between spaces) and its
-- deadline (`Case.deadline.due_at`, whatever follows it), written with every change of
-- the case; older cases are found by order id and number, undated, until they change.
ALTER TABLE cases ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN deadline_at BIGINT;
UPDATE cases SET search_text = ' ' || lower(replace(order_id, '-', '')) || ' ' || lower(replace(number, '-', '')) || ' ';
CREATE INDEX cases_queue ON cases (merchant_id, state, deadline_at);
