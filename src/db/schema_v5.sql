-- Fax Credit ledger, schema version 5: fax senders, and every time in one fixed-width form.

-- A record's userId is a fax sender of the account. A name first seen on a fax is registered
-- without a password (it cannot log in) until a manager gives it one with `user add`: logins
-- and senders are one list of names. Version 1 required a password of every user, and SQLite
-- cannot drop a NOT NULL, so the table is rebuilt with the same ids (the faxes point at them).
-- The runner migrates with foreign keys off, as SQLite's procedure for rebuilding a table
-- requires, and checks them before it commits.
CREATE TABLE users_v5 (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role           TEXT NOT NULL CHECK (role IN ('manager', 'user')),
    -- NULL: a fax sender without a login. A manager always has one.
    password_hash  TEXT CHECK (password_hash IS NULL OR length(password_hash) > 0),
    created_at     TEXT NOT NULL,
    CHECK (password_hash IS NOT NULL OR role = 'user')
);
INSERT INTO users_v5 (id, name, role, password_hash, created_at)
    SELECT id, name, role, password_hash, created_at FROM users ORDER BY id;
DROP TABLE users;
ALTER TABLE users_v5 RENAME TO users;

-- Times are stored as `YYYY-MM-DDTHH:MM:SSZ`, whole seconds, so that comparing the text is
-- comparing the times. Before, a time given with a fraction was stored with it, and
-- `…09:30:00.5Z` sorted before `…09:30:00Z`. Every time was written in UTC with a `Z`, so
-- cutting the fraction is exact. Billed faxes are never updated, except by this one rewrite
-- of their form: the trigger is lifted for it and put back.
DROP TRIGGER faxes_no_update;
UPDATE faxes SET submit_time = substr(submit_time, 1, 19) || 'Z' WHERE submit_time GLOB '????-??-??T??:??:??.*Z';
UPDATE faxes SET completion_time = substr(completion_time, 1, 19) || 'Z'
    WHERE completion_time GLOB '????-??-??T??:??:??.*Z';
UPDATE faxes SET billed_at = substr(billed_at, 1, 19) || 'Z' WHERE billed_at GLOB '????-??-??T??:??:??.*Z';
CREATE TRIGGER faxes_no_update BEFORE UPDATE ON faxes
BEGIN SELECT RAISE(ABORT, 'billed faxes are never updated'); END;

UPDATE attempts SET at = substr(at, 1, 19) || 'Z' WHERE at GLOB '????-??-??T??:??:??.*Z';
UPDATE account SET created_at = substr(created_at, 1, 19) || 'Z' WHERE created_at GLOB '????-??-??T??:??:??.*Z';
UPDATE users SET created_at = substr(created_at, 1, 19) || 'Z' WHERE created_at GLOB '????-??-??T??:??:??.*Z';
UPDATE cards SET issue_date = substr(issue_date, 1, 19) || 'Z' WHERE issue_date GLOB '????-??-??T??:??:??.*Z';
UPDATE cards SET close_date = substr(close_date, 1, 19) || 'Z' WHERE close_date GLOB '????-??-??T??:??:??.*Z';
UPDATE payment_card SET updated_at = substr(updated_at, 1, 19) || 'Z' WHERE updated_at GLOB '????-??-??T??:??:??.*Z';
UPDATE orders SET created_at = substr(created_at, 1, 19) || 'Z' WHERE created_at GLOB '????-??-??T??:??:??.*Z';
UPDATE orders SET updated_at = substr(updated_at, 1, 19) || 'Z' WHERE updated_at GLOB '????-??-??T??:??:??.*Z';
UPDATE orders SET next_retry_at = substr(next_retry_at, 1, 19) || 'Z'
    WHERE next_retry_at GLOB '????-??-??T??:??:??.*Z';
UPDATE email_settings SET updated_at = substr(updated_at, 1, 19) || 'Z' WHERE updated_at GLOB '????-??-??T??:??:??.*Z';
UPDATE outbox SET created_at = substr(created_at, 1, 19) || 'Z' WHERE created_at GLOB '????-??-??T??:??:??.*Z';
UPDATE outbox SET next_attempt_at = substr(next_attempt_at, 1, 19) || 'Z'
    WHERE next_attempt_at GLOB '????-??-??T??:??:??.*Z';
UPDATE outbox SET lease_until = substr(lease_until, 1, 19) || 'Z' WHERE lease_until GLOB '????-??-??T??:??:??.*Z';
UPDATE outbox SET sent_at = substr(sent_at, 1, 19) || 'Z' WHERE sent_at GLOB '????-??-??T??:??:??.*Z';
UPDATE repeat_order SET paused_at = substr(paused_at, 1, 19) || 'Z' WHERE paused_at GLOB '????-??-??T??:??:??.*Z';
UPDATE repeat_order SET updated_at = substr(updated_at, 1, 19) || 'Z' WHERE updated_at GLOB '????-??-??T??:??:??.*Z';
UPDATE repeat_log SET at = substr(at, 1, 19) || 'Z' WHERE at GLOB '????-??-??T??:??:??.*Z';
UPDATE login_failures SET locked_until = substr(locked_until, 1, 19) || 'Z'
    WHERE locked_until GLOB '????-??-??T??:??:??.*Z';
