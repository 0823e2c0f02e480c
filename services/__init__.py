"""Use cases: each a check-then-write over repositories bound to one unit of work
(storage.db.Database.unit_of_work), between the handlers above and storage below."""
