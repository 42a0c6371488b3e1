-- The case as a conversation: what an event carries besides its message (files, an
-- offer, a refusal reason, an evidence round, a ruling), as one JSON document; and a
-- reply is now a message any party writes.
ALTER TABLE case_events ADD COLUMN extra TEXT;
UPDATE case_events SET action = 'message' WHERE action = 'reply';
