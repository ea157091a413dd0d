"""Issuance use cases: one function per command, taking the unit of work (or the connection it opens)."""
