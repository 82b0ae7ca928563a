"""Services failing under a running deployment (PostgreSQL, Redis, concurrent writers)."""
