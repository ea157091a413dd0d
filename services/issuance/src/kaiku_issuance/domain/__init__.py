"""Issuance domain rules: pure functions, no I/O."""
