-- Fax Credit ledger, schema version 4: activity lines clustered by (card, n).
--
-- Version 1 kept the lines in a rowid table with an index on (card_id, n) and one on fax_seq:
-- billing a fax dirtied three pages for its line and a page of the card's activity was read
-- through the index. As a WITHOUT ROWID table keyed by (card_id, n) a line is one b-tree entry,
-- a page of a card is one range of that b-tree, and an export reads it in order. Nothing on the
-- hot paths looks lines up by fax; `check` groups them by fax in a scan.

CREATE TABLE activity_v4 (
    card_id   INTEGER NOT NULL REFERENCES cards(id),
    n         INTEGER NOT NULL CHECK (n >= 1),
    fax_seq   INTEGER NOT NULL REFERENCES faxes(seq),
    amount    INTEGER NOT NULL CHECK (amount >= 0),
    split     INTEGER NOT NULL CHECK (split IN (0, 1)),
    PRIMARY KEY (card_id, n)
) WITHOUT ROWID;

INSERT INTO activity_v4 (card_id, n, fax_seq, amount, split)
    SELECT card_id, n, fax_seq, amount, split FROM activity ORDER BY card_id, n;

DROP TABLE activity;
ALTER TABLE activity_v4 RENAME TO activity;

CREATE TRIGGER activity_no_update BEFORE UPDATE ON activity
BEGIN SELECT RAISE(ABORT, 'activity lines are never updated'); END;
CREATE TRIGGER activity_no_delete BEFORE DELETE ON activity
BEGIN SELECT RAISE(ABORT, 'activity lines are never deleted'); END;

-- The rate table's version, raised by every change to it: a connection keeps the rates in
-- memory across billing transactions and reloads them only when this moves.
CREATE TABLE rates_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL
);
INSERT INTO rates_version (id, version) VALUES (1, 0);
CREATE TRIGGER rates_changed_by_insert AFTER INSERT ON rates
BEGIN UPDATE rates_version SET version = version + 1; END;
CREATE TRIGGER rates_changed_by_update AFTER UPDATE ON rates
BEGIN UPDATE rates_version SET version = version + 1; END;
CREATE TRIGGER rates_changed_by_delete AFTER DELETE ON rates
BEGIN UPDATE rates_version SET version = version + 1; END;
