"""Stats service."""
