"""The demo summit: seeding, determinism, and a history that tells the truth."""
