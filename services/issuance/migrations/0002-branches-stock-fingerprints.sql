-- Branches of distributors (statistics per branch, §12), the printed card stock of a region, and the
-- content fingerprint that makes re-entering a paper form a no-op. Still no personal data (§11).
CREATE TABLE branches (
    distributor_id text NOT NULL REFERENCES distributors(distributor_id),
    branch_id      text NOT NULL,
    name           text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (distributor_id, branch_id)
);

CREATE TABLE card_ranges (
    range_id       bigserial PRIMARY KEY,
    region_id      text NOT NULL REFERENCES regions(region_id),
    prefix         text NOT NULL,
    first_number   bigint NOT NULL,
    last_number    bigint NOT NULL,
    digits         int,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (first_number >= 0 AND first_number <= last_number)
);
CREATE INDEX card_ranges_region ON card_ranges (region_id);

ALTER TABLE regions ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE cards ADD COLUMN content_hash text;
CREATE INDEX cards_region ON cards (region_id, created_at);
