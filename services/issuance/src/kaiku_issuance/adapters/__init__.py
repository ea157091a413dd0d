"""Adapters: the asyncpg register of regions, distributors, card stock and cards."""
