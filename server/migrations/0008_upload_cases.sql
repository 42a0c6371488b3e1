-- Evidence from sellers and the platform (#14): an upload records the first case that
-- referenced it, so a staff upload (not tied to an order) is known to be evidence, and
-- only a party's uploads no case references yet count against its pending quota.
ALTER TABLE uploads ADD COLUMN case_id TEXT;
