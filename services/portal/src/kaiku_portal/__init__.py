"""Staff portal."""
