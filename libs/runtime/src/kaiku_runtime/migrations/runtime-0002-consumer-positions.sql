-- Idempotent consumers (pattern 2): the next offset each consumer reads per partition, written in the
-- same transaction as the effect. A re-delivery below it (a rebalance, an offset reset) is skipped
-- without looking up event ids; `processed_events` then only needs the ids of a retention window
-- (outbox re-publishes at new offsets) and is pruned by `processed_at`.
CREATE TABLE IF NOT EXISTS consumer_positions (
    consumer     text        NOT NULL,
    topic        text        NOT NULL,
    partition    int         NOT NULL,
    next_offset  bigint      NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, partition)
);

ALTER TABLE processed_events ADD COLUMN IF NOT EXISTS processed_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX IF NOT EXISTS processed_events_consumer_processed_at ON processed_events (consumer, processed_at);
