-- Fax Credit ledger, schema version 3: email settings and the notification outbox.
-- (Version 2 holds the payment card and orders.)

-- How to reach the account's SMTP server. The password is never here: it lives in the OS keyring.
CREATE TABLE email_settings (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    host        TEXT NOT NULL CHECK (length(host) BETWEEN 1 AND 253),
    port        INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    security    TEXT NOT NULL CHECK (security IN ('none', 'starttls', 'tls')),
    username    TEXT,
    from_addr   TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Every message the app owes the account manager, written in the transaction of its event and
-- delivered afterwards by a worker. A row is never deleted; `message_id` stays the same across
-- retries, so a message delivered twice after a crash is one message to the reader's mail client.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('repeat_order_success', 'repeat_order_failure',
                                                   'quota_exceeded', 'low_credit')),
    to_addr          TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    message_id       TEXT NOT NULL UNIQUE,
    created_at       TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  TEXT NOT NULL,
    lease_until      TEXT,
    last_error       TEXT,
    server_reply     TEXT,
    sent_at          TEXT
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 'pending';

-- The automatic repeat order: which package to re-buy when the card in use reaches 95%, an
-- optional monthly cap on automatic purchases, and why it is paused (after failed retries).
CREATE TABLE repeat_order (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    package_id     INTEGER NOT NULL REFERENCES packages(id),
    monthly_cap    INTEGER CHECK (monthly_cap IS NULL OR monthly_cap > 0),
    paused_at      TEXT,
    paused_reason  TEXT,
    updated_at     TEXT NOT NULL,
    CHECK ((paused_at IS NULL) = (paused_reason IS NULL))
);

-- What the repeat order did and did not do, for the manager to read.
CREATE TABLE repeat_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    card_id  INTEGER REFERENCES cards(id),
    event    TEXT NOT NULL CHECK (event IN ('set', 'removed', 'resumed', 'ordered', 'skipped', 'capped',
                                            'bought', 'declined', 'retry', 'paused')),
    detail   TEXT NOT NULL
);

-- The name under which this account's secrets are filed in the OS keyring (not a secret).
CREATE TABLE keyring_scope (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    scope  TEXT NOT NULL
);

-- Failed logins per user name (known or not), for the lockout after repeated failures.
CREATE TABLE login_failures (
    name          TEXT PRIMARY KEY COLLATE NOCASE,
    failures      INTEGER NOT NULL CHECK (failures >= 0),
    locked_until  TEXT
);
