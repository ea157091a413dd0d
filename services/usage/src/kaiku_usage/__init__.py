"""Usage service."""
