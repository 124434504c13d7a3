-- Fax Credit ledger, schema version 2: the payment card on file (for display only) and orders.

-- What the app shows of the stored card. The number, expiry and holder are in the OS keyring;
-- the CVV is never stored anywhere.
CREATE TABLE payment_card (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    brand       TEXT NOT NULL,
    last4       TEXT NOT NULL CHECK (length(last4) = 4 AND last4 NOT GLOB '*[^0-9]*'),
    exp_month   INTEGER NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
    exp_year    INTEGER NOT NULL CHECK (exp_year BETWEEN 2000 AND 2199),
    updated_at  TEXT NOT NULL
);

-- Every purchase, manual or automatic. The row (with its idempotency key) is committed before the
-- card is charged; its outcome and the new card are written in one transaction afterwards.
CREATE TABLE orders (
    id             INTEGER PRIMARY KEY,
    key            TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('manual', 'automatic')),
    package        TEXT NOT NULL,
    face_value     INTEGER NOT NULL CHECK (face_value > 0),
    bonus          INTEGER NOT NULL CHECK (bonus >= 0),
    currency       TEXT NOT NULL,
    card_brand     TEXT NOT NULL,
    card_last4     TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'declined', 'failed')),
    -- The processor's idempotency key of the current attempt: the order key, then `key#2`...
    charge_key     TEXT NOT NULL UNIQUE,
    attempts       INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    next_retry_at  TEXT,
    charge_id      TEXT,
    decline_code   TEXT,
    reason         TEXT,
    new_card       INTEGER UNIQUE REFERENCES cards(id),
    trigger_card   INTEGER UNIQUE REFERENCES cards(id),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CHECK ((status = 'paid') = (new_card IS NOT NULL)),
    CHECK (kind = 'automatic' OR trigger_card IS NULL)
);
CREATE INDEX orders_open ON orders(status) WHERE status IN ('pending', 'declined');
