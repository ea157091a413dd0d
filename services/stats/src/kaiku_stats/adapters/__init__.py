"""Stats' database access: every SQL statement of the service, as functions taking an asyncpg connection."""
