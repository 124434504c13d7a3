-- Fax Credit ledger: the account's days (its time zone) and spend kept per quarter hour.
--
-- Daily spend was kept per UTC day of billing, so in any other zone the chart's days were not
-- the days of View Activity's filter. The account now has a time zone (NULL: the computer's),
-- and billing keeps spend per quarter hour of UTC of the fax's submit time (the time View
-- Activity shows and filters on). Every zone's offsets and changes fall on quarter hours, so
-- these rows add up exactly into the local days and months of any zone, whichever is set and
-- however often it changes: nothing is rebuilt when it does.
ALTER TABLE account ADD COLUMN time_zone TEXT;

CREATE TABLE spend_by_quarter (
    start   TEXT PRIMARY KEY,   -- the quarter hour's first second, stored time form (…T09:45:00Z)
    amount  INTEGER NOT NULL CHECK (amount >= 0),
    faxes   INTEGER NOT NULL CHECK (faxes >= 0)
) WITHOUT ROWID;

-- The same expression as `faxcredit check`'s (ledger/check.rs) and `time::quarter_start`.
INSERT INTO spend_by_quarter (start, amount, faxes)
    SELECT substr(submit_time, 1, 14)
               || CASE WHEN substr(submit_time, 15, 2) < '15' THEN '00'
                       WHEN substr(submit_time, 15, 2) < '30' THEN '15'
                       WHEN substr(submit_time, 15, 2) < '45' THEN '30'
                       ELSE '45' END
               || ':00Z',
           sum(cost), count(*)
    FROM faxes GROUP BY 1;

DROP TABLE daily_spend;
