"""Usage's use cases: one function per command or event, taking a unit of work or a connection."""
