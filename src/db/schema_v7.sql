-- Fax Credit ledger, schema version 7: a card's lines in the order their faxes were submitted.
--
-- A card's lines are numbered in billing order (`n`), and a busy gateway bills faxes a little
-- out of their submit order (10:20, 10:25, 10:17…); an imported log can be far out of it. Each
-- line now carries its fax's submit time (copied once, like every field of a line, never
-- changed), and an index orders a card's lines by (submit time, n): any page of a card in time
-- order is a range of that index, reached by keyset.
ALTER TABLE activity ADD COLUMN submit_time TEXT NOT NULL DEFAULT '';

-- Lines are never updated, except by this one copy of a field they did not have: the trigger
-- is lifted for it and put back.
DROP TRIGGER activity_no_update;
UPDATE activity SET submit_time = (SELECT f.submit_time FROM faxes f WHERE f.seq = activity.fax_seq);
CREATE TRIGGER activity_no_update BEFORE UPDATE ON activity
BEGIN SELECT RAISE(ABORT, 'activity lines are never updated'); END;

CREATE INDEX activity_by_time ON activity(card_id, submit_time, n);

-- Who placed each manual order: the manager logged in to the app, by the order's key (written
-- before the charge, with the order). Automatic orders are the repeat order's; an order with no
-- row here was placed by the command line (or before this version). Its own table, so that the
-- orders table keeps its form.
CREATE TABLE order_placers (
    order_key  TEXT PRIMARY KEY,
    placed_by  TEXT NOT NULL
) WITHOUT ROWID;
