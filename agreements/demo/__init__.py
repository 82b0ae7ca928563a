"""The demo summit: `summit` builds it (deterministic, idempotent, bulk inserts), `data` holds its
reference lists (organizations, people, topics).

May import the domain core; not the other capabilities or the faces.
"""
