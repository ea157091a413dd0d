"""The portal's use cases: accounts and sessions in its own database, and signing in."""
