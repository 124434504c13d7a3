-- Fax Credit ledger, schema version 10 (issue 16, part a): low-credit alert levels, the
-- recipients of the notifications, and the audit log of manager actions.

-- The low-credit alert levels. `amount`: the credit remaining across the open cards falls to
-- `value` (storage units, 1/10000) or below. `percent`: the card in use reaches `value`
-- hundredths of a percent of its original balance (8000 = 80%). Each level fires once per
-- crossing; whether it is armed is not stored: credit falls only by billing and rises only by
-- a new card, so the billing transaction sees each crossing (src/alerts/crossing.rs).
CREATE TABLE alert_levels (
    id     INTEGER PRIMARY KEY,
    kind   TEXT NOT NULL CHECK (kind IN ('amount', 'percent')),
    value  INTEGER NOT NULL CHECK (value > 0),
    CHECK (kind = 'amount' OR value < 10000),
    UNIQUE (kind, value)
);
-- The default of every account, new or migrated: the card in use at 80% used (a fifth of it
-- left), which comes before the repeat order's 95%.
INSERT INTO alert_levels (kind, value) VALUES ('percent', 8000);

-- Who gets the notifications besides the account email (which gets every one): each address
-- for every message (`only` NULL) or only one sort of them.
CREATE TABLE recipients (
    id        INTEGER PRIMARY KEY,
    address   TEXT NOT NULL UNIQUE COLLATE NOCASE,
    only      TEXT CHECK (only IS NULL OR only IN ('purchases', 'alerts', 'refusals')),
    added_at  TEXT NOT NULL
);

-- A message to several recipients is one outbox row per recipient (each delivered and retried
-- on its own); `event` is the id of the first row written for the same event, so the app shows
-- one desktop notification for it. NULL on rows written before this version: their own id.
ALTER TABLE outbox ADD COLUMN event INTEGER;

-- What the managers did, who and when, written in the transaction of the action. `via`: the app
-- (a logged-in user, or the name typed for a failed login), the command line (the OS user), or
-- the system (automatic). Never changed, never deleted.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    via     TEXT NOT NULL CHECK (via IN ('app', 'cli', 'system')),
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is never changed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is never changed'); END;
