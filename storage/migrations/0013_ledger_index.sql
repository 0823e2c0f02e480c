-- /stats and the tip ledger (storage.ledger) read, for every tip of the year, the first day it
-- reached each status: MIN(on_date) per tip and status, four per tip. On (tip_id) alone each read
-- the tip's every event row; on (tip_id, status, on_date) each is one seek that never leaves the
-- index. It serves every lookup by tip_id too, so the older index goes.
CREATE INDEX tip_events_first ON tip_events (tip_id, status, on_date);
DROP INDEX tip_events_tip;
