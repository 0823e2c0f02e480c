-- 曝光: posts for the office's public channel (services.exposure). A case post is drafted from a closed
-- tip's verification result (`facts`, its facets as JSON, compared again at approval) and what the
-- drafting officer typed from the penalty decision (`typed`: the enterprise's name and the decision's
-- number, sealed under the tip's content key until published, like a request's reason). A monthly
-- post has no tip: `facts` holds its counts. `tip_event`: the tip's last status event when drafted (a
-- tip that moved since voids the draft). A post is drafted (pending), decided by a second admin
-- (approved or refused; the drafter or an admin may cancel it, refused too), claimed for publishing
-- (publishing: no second admin posts it at once), published (the channel's message recorded), and
-- may be withdrawn.
CREATE TABLE exposures (
    id           INTEGER PRIMARY KEY,
    uid          TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('penalty', 'blacklist', 'joint', 'monthly')),
    tip_id       INTEGER REFERENCES tips (id) ON DELETE CASCADE,
    period       TEXT,
    facts        TEXT NOT NULL,
    typed        BLOB,
    tip_event    INTEGER,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'approved', 'refused', 'publishing', 'published', 'withdrawn')),
    drafted_by   INTEGER NOT NULL,
    drafted_on   TEXT NOT NULL,
    decided_by   INTEGER,
    decided_on   TEXT,
    channel      TEXT,
    message_id   INTEGER,
    link         TEXT,
    published_on TEXT,
    withdrawn_by INTEGER,
    withdrawn_on TEXT,
    CHECK ((kind = 'monthly') = (tip_id IS NULL)),
    CHECK ((kind = 'monthly') = (period IS NOT NULL)),
    CHECK ((kind = 'monthly') = (typed IS NULL)),
    CHECK ((state IN ('published', 'withdrawn')) = (message_id IS NOT NULL))
);
CREATE INDEX exposures_tip ON exposures (tip_id);
CREATE INDEX exposures_published ON exposures (published_on) WHERE state = 'published';
