"""Pure helpers of the portal (no I/O): reading what staff type or scan, and showing it back."""
