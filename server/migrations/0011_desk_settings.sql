-- The console's canned replies, per merchant, managed by the merchant's admins; seeded
-- once from merchants.toml (`canned_replies`, or the defaults) when a merchant's desk
-- is first used, so a reply an admin deleted stays deleted.
CREATE TABLE canned_replies (
    merchant_id TEXT NOT NULL,
    code TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    zh TEXT NOT NULL,
    en TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, code)
);
CREATE TABLE desks_seeded (
    merchant_id TEXT PRIMARY KEY,
    seeded_at BIGINT NOT NULL
);
