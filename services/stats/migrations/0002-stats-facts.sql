-- Stats projections as facts per card and per use (rebuildable from kaiku.cards.v1 and
-- kaiku.redemptions.v1). Aggregates are computed from these facts, so the arrival order of the
-- two topics does not matter. The first skeleton's counter table gives way to them.
DROP TABLE IF EXISTS national_period;

CREATE TABLE card_fact (
    card_code           text PRIMARY KEY,
    card_type           text NOT NULL,
    region_id           text NOT NULL,
    distributor_id      text NOT NULL,
    branch_id           text,
    issued_on           date NOT NULL,
    valid_until         date NOT NULL,
    issue_month         text NOT NULL,
    revoked_on          date,
    -- holder background groups (personal cards only; NULL for community cards)
    age_group           text,
    gender              text,
    mother_tongue_group text,
    life_situation      text,
    postal_code_area    text
);
CREATE INDEX card_fact_by_month ON card_fact (issue_month);
CREATE INDEX card_fact_by_region ON card_fact (region_id, issue_month);
CREATE INDEX card_fact_by_distributor ON card_fact (distributor_id, issue_month);

-- A revocation may be applied before its card (replays, other partitions): kept on its own and
-- copied onto the card row whichever comes second.
CREATE TABLE card_revocation (
    card_code  text PRIMARY KEY,
    revoked_on date NOT NULL
);

CREATE TABLE use_fact (
    redemption_id    text PRIMARY KEY,
    card_code        text NOT NULL,
    card_type        text NOT NULL,
    venue_id         text NOT NULL,
    region_id        text NOT NULL,
    card_region_id   text,
    venue_category   text,
    performance_id   text NOT NULL,
    performance_name text NOT NULL,
    month            text NOT NULL,
    kind             text NOT NULL,
    adult_tickets    integer NOT NULL,
    child_tickets    integer NOT NULL,
    channel          text NOT NULL,
    cancelled        boolean NOT NULL DEFAULT false
);
CREATE INDEX use_fact_by_month ON use_fact (month);
CREATE INDEX use_fact_by_region ON use_fact (region_id, month);
CREATE INDEX use_fact_by_card_region ON use_fact (card_region_id, month);
CREATE INDEX use_fact_by_venue ON use_fact (venue_id, month);
CREATE INDEX use_fact_by_card ON use_fact (card_code);

CREATE TABLE use_cancellation (
    redemption_id text PRIMARY KEY,
    cancelled_at  timestamptz NOT NULL
);

-- Snapshot keys whose figures changed since they were last published (region_id '' = country).
-- Insert-only, so the two consumers never wait on each other's row locks; the publisher deletes
-- what it has published up to the highest id it read.
CREATE TABLE snapshot_dirty (
    id        bigserial PRIMARY KEY,
    region_id text NOT NULL,
    period    text NOT NULL
);
