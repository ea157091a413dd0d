-- The misuse watch (docs/contract.md "FlagRaised"; docs/stats.md "Misuse watch"): a use's start time,
-- which the overlap and week rules need, and the flags raised (by a stable id: a rebuild raises the
-- same ones). `published` marks what went out on kaiku.flags.v1.
ALTER TABLE use_fact ADD COLUMN starts_at timestamptz;
CREATE INDEX use_fact_by_card_start ON use_fact (card_code, starts_at);

CREATE TABLE flag (
    flag_id        text PRIMARY KEY,
    rule           text NOT NULL,
    region_id      text NOT NULL,
    card_code      text,
    redemption_ids text[] NOT NULL,
    detail         text NOT NULL,
    raised_at      timestamptz NOT NULL DEFAULT now(),
    published      boolean NOT NULL DEFAULT false
);
CREATE INDEX flag_by_region ON flag (region_id, raised_at);
CREATE INDEX flag_to_publish ON flag (raised_at) WHERE NOT published;
