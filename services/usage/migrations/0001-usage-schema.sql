-- Usage's own tables: its registry of cards (built from kaiku.cards.v1), venues, performances, redemptions.
CREATE TABLE cards (
    card_code      text PRIMARY KEY,
    card_type      text NOT NULL,
    region_id      text NOT NULL,
    distributor_id text NOT NULL,
    issued_on      date NOT NULL,
    valid_until    date NOT NULL,
    revoked_on     date,
    revocation_reason text
);

CREATE TABLE venues (
    venue_id   text PRIMARY KEY,
    region_id  text NOT NULL,
    name       text NOT NULL,
    category   text NOT NULL,
    agencies   text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE performances (
    performance_id      text PRIMARY KEY,
    venue_id            text NOT NULL REFERENCES venues(venue_id),
    name                text NOT NULL,
    starts_at           timestamptz NOT NULL,
    capacity            int NOT NULL,
    kind                text NOT NULL,
    card_holder_limit   int,
    guest_producer      boolean NOT NULL DEFAULT false,
    booking_opens_days_before  int,
    redeem_from_minutes_before int,
    card_holders        int NOT NULL DEFAULT 0,
    cancelled           boolean NOT NULL DEFAULT false
);

CREATE TABLE redemptions (
    redemption_id  text PRIMARY KEY,
    card_code      text NOT NULL,
    performance_id text NOT NULL REFERENCES performances(performance_id),
    venue_id       text NOT NULL,
    adult_tickets  int NOT NULL,
    child_tickets  int NOT NULL,
    channel        text NOT NULL,
    agency_id      text,
    group_id       text,
    recorded_by    text NOT NULL,
    request_hash   text NOT NULL,
    response       jsonb NOT NULL,
    cancelled_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX redemptions_one_adult_per_card ON redemptions (performance_id, card_code)
    WHERE adult_tickets = 1 AND cancelled_at IS NULL;
