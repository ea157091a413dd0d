"""Benchmarks (issue 7): `make bench` runs them all and writes bench/RESULTS.md. Figures are printed, never asserted."""
