"""Shared runtime of the kaiku services (installed, never copied)."""
