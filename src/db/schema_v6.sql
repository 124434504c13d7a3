-- Fax Credit ledger, schema version 6: every charge attempt of an order, and the repeat order's
-- cap and retry rules.
--
-- Orders gain:
-- * `cancelled`: an automatic order whose retry the cap or the other open cards' credit stopped;
-- * `cap_month`: the month (`2026-11`) whose cap a paid automatic order counts against: the month
--   its paying attempt started;
-- * `round_start`: the attempt that began the current round of retries (1, 2 and 3 retries after
--   it); an automatic order that failed or was cancelled can be ordered again for the same card
--   by a later trigger, as a new round under the same key.
-- SQLite cannot widen a CHECK in place: the table is copied.

CREATE TABLE orders_v5 (
    id             INTEGER PRIMARY KEY,
    key            TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('manual', 'automatic')),
    package        TEXT NOT NULL,
    face_value     INTEGER NOT NULL CHECK (face_value > 0),
    bonus          INTEGER NOT NULL CHECK (bonus >= 0),
    currency       TEXT NOT NULL,
    -- The card charged by the latest attempt (the card on file when it started).
    card_brand     TEXT NOT NULL,
    card_last4     TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'declined', 'failed', 'cancelled')),
    charge_key     TEXT NOT NULL UNIQUE,
    attempts       INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    round_start    INTEGER NOT NULL DEFAULT 1 CHECK (round_start >= 1 AND round_start <= attempts),
    next_retry_at  TEXT,
    charge_id      TEXT,
    decline_code   TEXT,
    reason         TEXT,
    new_card       INTEGER UNIQUE REFERENCES cards(id),
    trigger_card   INTEGER UNIQUE REFERENCES cards(id),
    cap_month      TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CHECK ((status = 'paid') = (new_card IS NOT NULL)),
    CHECK (kind = 'automatic' OR trigger_card IS NULL),
    CHECK (status <> 'paid' OR (decline_code IS NULL AND reason IS NULL))
);

INSERT INTO orders_v5 (id, key, kind, package, face_value, bonus, currency, card_brand, card_last4, status,
        charge_key, attempts, round_start, next_retry_at, charge_id, decline_code, reason, new_card, trigger_card,
        cap_month, created_at, updated_at)
    SELECT id, key, kind, package, face_value, bonus, currency, card_brand, card_last4, status,
        charge_key, attempts, 1, next_retry_at, charge_id,
        CASE WHEN status = 'paid' THEN NULL ELSE decline_code END,
        CASE WHEN status = 'paid' THEN NULL ELSE reason END,
        new_card, trigger_card,
        CASE WHEN kind = 'automatic' THEN substr(updated_at, 1, 7) END, created_at, updated_at
    FROM orders;

DROP TABLE orders;
ALTER TABLE orders_v5 RENAME TO orders;
CREATE INDEX orders_open ON orders(status) WHERE status IN ('pending', 'declined');

-- One row per charge attempt: its processor key, the card it charged and how it ended. The
-- card is the one on file when the attempt started; it is fixed (`sent_at`) when the charge is
-- first sent, since the processor answers a repeated key for the card it first saw.
CREATE TABLE order_attempts (
    order_id      INTEGER NOT NULL REFERENCES orders(id),
    n             INTEGER NOT NULL CHECK (n >= 1),
    charge_key    TEXT NOT NULL UNIQUE,
    card_brand    TEXT NOT NULL,
    card_last4    TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    sent_at       TEXT,
    outcome       TEXT NOT NULL CHECK (outcome IN ('pending', 'paid', 'declined', 'cancelled')),
    decline_code  TEXT,
    reason        TEXT,
    charge_id     TEXT,
    finished_at   TEXT,
    PRIMARY KEY (order_id, n)
) WITHOUT ROWID;

-- Older orders kept only their latest attempt.
INSERT INTO order_attempts (order_id, n, charge_key, card_brand, card_last4, started_at, sent_at, outcome,
        decline_code, reason, charge_id, finished_at)
    SELECT id, attempts, charge_key, card_brand, card_last4, updated_at,
        CASE WHEN status = 'pending' THEN NULL ELSE updated_at END,
        CASE status WHEN 'paid' THEN 'paid' WHEN 'pending' THEN 'pending' ELSE 'declined' END,
        decline_code, reason, charge_id,
        CASE WHEN status = 'pending' THEN NULL ELSE updated_at END
    FROM orders;

-- The repeat order's log gains `cancelled` (a retry stopped by the cap or by credit on other cards).
CREATE TABLE repeat_log_v5 (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    card_id  INTEGER REFERENCES cards(id),
    event    TEXT NOT NULL CHECK (event IN ('set', 'removed', 'resumed', 'ordered', 'skipped', 'capped',
                                            'bought', 'declined', 'retry', 'paused', 'cancelled')),
    detail   TEXT NOT NULL
);
INSERT INTO repeat_log_v5 (id, at, card_id, event, detail) SELECT id, at, card_id, event, detail FROM repeat_log;
DROP TABLE repeat_log;
ALTER TABLE repeat_log_v5 RENAME TO repeat_log;
