"""Fault-injection kit: a private stack (broker + three services), a steady load, and a reconciliation.

Used by the fault scenarios in `tests/faults/` (issue 7). Every wait here is bounded.
"""
