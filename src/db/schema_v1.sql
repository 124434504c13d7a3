-- Fax Credit ledger, schema version 1.
-- Money columns are INTEGER ten-thousandths of the account currency.
-- Times are RFC 3339 UTC text.

CREATE TABLE account (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('prepaid', 'credit')),
    email         TEXT NOT NULL,
    currency      TEXT NOT NULL,
    credit_limit  INTEGER CHECK (credit_limit IS NULL OR credit_limit > 0),
    created_at    TEXT NOT NULL,
    CHECK (kind = 'prepaid' OR credit_limit IS NOT NULL)
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role           TEXT NOT NULL CHECK (role IN ('manager', 'user')),
    password_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE packages (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    face_value  INTEGER NOT NULL CHECK (face_value > 0),
    bonus       INTEGER NOT NULL CHECK (bonus >= 0),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    sort        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE rates (
    prefix         TEXT PRIMARY KEY CHECK (prefix = '' OR (prefix GLOB '[0-9]*' AND NOT prefix GLOB '*[^0-9]*')),
    label          TEXT NOT NULL,
    unit           TEXT NOT NULL CHECK (unit IN ('page', 'tenth_minute')),
    cost_per_unit  INTEGER NOT NULL CHECK (cost_per_unit >= 0)
);

-- A card applied to the account: by the provider, by a purchase, or a credit account's month.
CREATE TABLE cards (
    id                INTEGER PRIMARY KEY,
    issue_date        TEXT NOT NULL,
    close_date        TEXT,
    package           TEXT,
    face_value        INTEGER NOT NULL CHECK (face_value >= 0),
    bonus             INTEGER NOT NULL CHECK (bonus >= 0),
    original_balance  INTEGER NOT NULL CHECK (original_balance = face_value + bonus AND original_balance > 0),
    used              INTEGER NOT NULL DEFAULT 0,
    lines             INTEGER NOT NULL DEFAULT 0 CHECK (lines >= 0),
    previous_card     INTEGER REFERENCES cards(id),
    source            TEXT NOT NULL CHECK (source IN ('applied', 'purchase', 'monthly')),
    month             TEXT UNIQUE,
    CHECK (used >= 0 AND used <= original_balance)
);
CREATE INDEX cards_open ON cards(id) WHERE close_date IS NULL;

-- Every fax ever billed, with its InterFAX fields as submitted (for idempotency) and its price.
CREATE TABLE faxes (
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    user_id          INTEGER NOT NULL REFERENCES users(id),
    destination      TEXT NOT NULL,
    submit_time      TEXT NOT NULL,
    completion_time  TEXT,
    pages_submitted  INTEGER NOT NULL,
    pages_sent       INTEGER NOT NULL,
    duration         INTEGER NOT NULL,
    units_given      INTEGER,
    cpu_given        INTEGER,
    status           INTEGER NOT NULL,
    subject          TEXT,
    attempts_made    INTEGER,
    units            INTEGER NOT NULL CHECK (units >= 0),
    cost_per_unit    INTEGER NOT NULL CHECK (cost_per_unit >= 0),
    cost             INTEGER NOT NULL CHECK (cost >= 0),
    billed_at        TEXT NOT NULL
);

-- One line per (card, fax): the part of the fax's cost billed to that card. Never changed.
-- `n` numbers a card's lines 1, 2, 3…: the keyset that reaches any page of a card directly.
CREATE TABLE activity (
    id        INTEGER PRIMARY KEY,
    card_id   INTEGER NOT NULL REFERENCES cards(id),
    n         INTEGER NOT NULL CHECK (n >= 1),
    fax_seq   INTEGER NOT NULL REFERENCES faxes(seq),
    amount    INTEGER NOT NULL CHECK (amount >= 0),
    split     INTEGER NOT NULL CHECK (split IN (0, 1))
);
CREATE UNIQUE INDEX activity_by_card ON activity(card_id, n);
CREATE INDEX activity_by_fax ON activity(fax_seq);

CREATE TRIGGER activity_no_update BEFORE UPDATE ON activity
BEGIN SELECT RAISE(ABORT, 'activity lines are never updated'); END;
CREATE TRIGGER activity_no_delete BEFORE DELETE ON activity
BEGIN SELECT RAISE(ABORT, 'activity lines are never deleted'); END;
CREATE TRIGGER faxes_no_update BEFORE UPDATE ON faxes
BEGIN SELECT RAISE(ABORT, 'billed faxes are never updated'); END;
CREATE TRIGGER faxes_no_delete BEFORE DELETE ON faxes
BEGIN SELECT RAISE(ABORT, 'billed faxes are never deleted'); END;

-- Faxes refused with 205000. A refusal pins nothing: the same id may be billed later.
CREATE TABLE attempts (
    id           INTEGER PRIMARY KEY,
    fax_id       TEXT NOT NULL,
    user_name    TEXT NOT NULL,
    destination  TEXT NOT NULL,
    cost         INTEGER NOT NULL,
    available    INTEGER NOT NULL,
    code         TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX attempts_by_fax ON attempts(fax_id);

-- Spend per UTC day, kept by billing in the same transaction: the summary and its chart read
-- 90 rows instead of scanning every fax.
CREATE TABLE daily_spend (
    day     TEXT PRIMARY KEY,
    amount  INTEGER NOT NULL CHECK (amount >= 0),
    faxes   INTEGER NOT NULL CHECK (faxes >= 0)
) WITHOUT ROWID;
