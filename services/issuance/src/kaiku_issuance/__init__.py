"""Issuance service."""
