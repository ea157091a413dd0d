-- Ticket agencies registered with usage; those with a signing key must sign their Kafka messages.
CREATE TABLE agencies (
    agency_id      text PRIMARY KEY,
    name           text,
    signing_key    text,
    registered_by  text NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Performances a venue report named without the venue registering them first (§9.2 import).
ALTER TABLE performances ADD COLUMN from_report boolean NOT NULL DEFAULT false;
ALTER TABLE performances ADD COLUMN cancelled_at timestamptz;

-- Who recorded a use (role:org), so that the same venue or agency may cancel it.
ALTER TABLE redemptions ADD COLUMN recorded_by_org text;
ALTER TABLE redemptions ADD COLUMN source text NOT NULL DEFAULT 'http';
CREATE INDEX redemptions_by_performance ON redemptions (performance_id) WHERE cancelled_at IS NULL;
