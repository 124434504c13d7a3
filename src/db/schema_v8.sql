-- Fax Credit ledger: receipts for paid orders, and what a receipt needs.
--
-- * The account's billing details, printed on every receipt: billing address, tax ID, and
--   whether a receipt is emailed with each purchase. One row beside `account` (whose form stays).
-- * Receipt numbers: one per paid order, 1, 2, 3… per account in the order the orders were
--   paid, given in the transaction that records the payment and never changed.
-- * A purchase order (PO) reference a manager may give when buying, by order key, written with
--   the order row.
-- * Attachments of outbox messages (the receipt PDF), kept with the message so a retry sends
--   the same bytes.

CREATE TABLE billing_details (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    billing_address  TEXT NOT NULL DEFAULT '',
    tax_id           TEXT NOT NULL DEFAULT '',
    email_receipts   INTEGER NOT NULL DEFAULT 0 CHECK (email_receipts IN (0, 1)),
    updated_at       TEXT NOT NULL
);

CREATE TABLE receipts (
    order_id   INTEGER PRIMARY KEY REFERENCES orders(id),
    number     INTEGER NOT NULL UNIQUE CHECK (number >= 1),
    issued_at  TEXT NOT NULL
);
CREATE TRIGGER receipts_no_update BEFORE UPDATE ON receipts
BEGIN SELECT RAISE(ABORT, 'receipt numbers are never changed'); END;
CREATE TRIGGER receipts_no_delete BEFORE DELETE ON receipts
BEGIN SELECT RAISE(ABORT, 'receipts are never deleted'); END;

-- Orders paid before this version get their numbers now, in the order they were paid.
INSERT INTO receipts (order_id, number, issued_at)
    SELECT id, row_number() OVER (ORDER BY updated_at, id), updated_at
    FROM orders WHERE status = 'paid';

CREATE TABLE order_po (
    order_key     TEXT PRIMARY KEY,
    po_reference  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE outbox_attachments (
    message_id    INTEGER NOT NULL REFERENCES outbox(id),
    n             INTEGER NOT NULL CHECK (n >= 1),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    data          BLOB NOT NULL,
    PRIMARY KEY (message_id, n)
) WITHOUT ROWID;
