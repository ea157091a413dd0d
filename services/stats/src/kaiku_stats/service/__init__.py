"""Stats' use cases: applying the events to the projections, reading and publishing figures, rebuilding."""
