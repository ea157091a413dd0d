-- The portal lists a region's venues and a venue's coming performances.
CREATE INDEX venues_by_region ON venues (region_id, name);
CREATE INDEX performances_by_venue ON performances (venue_id, starts_at);
