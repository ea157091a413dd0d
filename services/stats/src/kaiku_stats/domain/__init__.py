"""Stats domain: pure aggregation and suppression rules."""
