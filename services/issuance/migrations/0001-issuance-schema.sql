-- Issuance's own tables. No column may hold data that identifies a person (§11).
CREATE TABLE regions (
    region_id      text PRIMARY KEY,
    name           text NOT NULL,
    trial_ends_on  date,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE distributors (
    distributor_id text PRIMARY KEY,
    region_id      text NOT NULL REFERENCES regions(region_id),
    name           text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cards (
    card_code          text PRIMARY KEY,
    card_type          text NOT NULL,
    region_id          text NOT NULL REFERENCES regions(region_id),
    distributor_id     text NOT NULL REFERENCES distributors(distributor_id),
    branch_id          text,
    issued_on          date NOT NULL,
    valid_until        date NOT NULL,
    birth_year         int,
    mother_tongue      text,
    gender             text,
    postal_code        text,
    life_situation     text,
    replaces_card_code text,
    request_hash       text NOT NULL,
    response           jsonb NOT NULL,
    revoked_on         date,
    revocation_reason  text,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cards_distributor ON cards (distributor_id);
