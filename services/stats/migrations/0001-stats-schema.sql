-- Stats projections (rebuildable from the topics).
CREATE TABLE national_period (
    period        text PRIMARY KEY,
    cards_issued  bigint NOT NULL DEFAULT 0,
    redemptions   bigint NOT NULL DEFAULT 0,
    adult_tickets bigint NOT NULL DEFAULT 0,
    child_tickets bigint NOT NULL DEFAULT 0
);
