-- A replacement card keeps its holder, who is counted once (with the lost card): holder breakdowns
-- leave out cards that replace another (docs/contract.md CardIssued.replaces_card_code).
ALTER TABLE card_fact ADD COLUMN replaces_card_code text;

-- The holder breakdowns last sent per snapshot key (region_id '' = country). The protection of a year
-- is computed over all its tables together, so a change in one month can change what is hidden in
-- another: the publisher compares and sends again every key whose published breakdowns changed, so
-- that the latest snapshots on the topics are always one protected publication (docs/stats.md).
CREATE TABLE snapshot_holders (
    region_id text NOT NULL,
    period    text NOT NULL,
    holders   jsonb NOT NULL,
    PRIMARY KEY (region_id, period)
);
