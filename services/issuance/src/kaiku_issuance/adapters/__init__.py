"""Adapters: the asyncpg register of regions, distributors, card stock (organisations.py) and cards (cards.py).

Every SQL statement of the service lives here (docs/architecture.md, "One service shape")."""
