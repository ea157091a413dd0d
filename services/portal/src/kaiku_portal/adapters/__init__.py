"""The portal's I/O: its own PostgreSQL (accounts, sessions, sign-in failures), the three services' HTTP
APIs, and the organisation's OpenID Connect provider."""
