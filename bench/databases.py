"""The benchmark's own PostgreSQL databases: create, seed, switch between, drop.

One process works on several databases by pointing Django's default connection at another
database name (the connection is closed first, so the next query opens the new one).
"""
from __future__ import annotations

import io
import os
import time
from contextlib import contextmanager
from typing import Iterator

import psycopg
from psycopg import sql

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"


def server_url(explicit: str | None = None) -> str:
    """The server to use: --postgres, else BENCH_POSTGRES_URL, else DATABASE_URL's server."""
    url = explicit or os.environ.get("BENCH_POSTGRES_URL")
    database_url = os.environ.get("DATABASE_URL", "")
    if not url and database_url.startswith(("postgres://", "postgresql://")):
        url = database_url.rsplit("/", 1)[0]
    return (url or DEFAULT_SERVER).rstrip("/")


def _admin_connection(server: str) -> psycopg.Connection:
    return psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5)


def server_version(server: str) -> str:
    with _admin_connection(server) as conn:
        return conn.execute("SELECT current_setting('server_version')").fetchone()[0]


def recreate(server: str, name: str, template: str | None = None) -> None:
    """(Re)create `name`, empty or as a copy of `template` (a migrated database: migrating once
    and copying is faster than migrating twice)."""
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with _admin_connection(server) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(create)


def drop(server: str, name: str) -> None:
    # FORCE: gunicorn workers or this process may still hold a pooled connection.
    with _admin_connection(server) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def existing(server: str, prefix: str) -> list[str]:
    with _admin_connection(server) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + "%"]).fetchall()
    return [row[0] for row in rows]


@contextmanager
def use(name: str) -> Iterator[None]:
    """Point this process's Django at database `name` for the duration of the block."""
    from django.db import connection

    connection.close()
    previous = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = previous


def migrate(name: str) -> None:
    from django.core.management import call_command

    with use(name):
        call_command("migrate", verbosity=0, interactive=False)


def seed(name: str, agreements: int | None) -> dict:
    """Run `seed_demo` on `name` (its default size when `agreements` is None); time and count."""
    from django.core.management import call_command

    from agreements.models import Agreement, Milestone, ProgressUpdate

    options = {"demo_users": True} if agreements is None else {"demo_users": True, "agreements": agreements}
    with use(name):
        started = time.perf_counter()
        call_command("seed_demo", stdout=io.StringIO(), **options)
        seconds = time.perf_counter() - started
        return {"database": name, "seconds": round(seconds, 2), "agreements": Agreement.objects.count(),
                "milestones": Milestone.objects.count(), "updates": ProgressUpdate.objects.count()}


def set_password_for_everyone(name: str, password: str) -> None:
    """Seeded staff have unusable passwords; the benchmark signs them in through the real form.
    One hash for all (PBKDF2 costs ~0.3 s each): this database only lives for the run."""
    from django.contrib.auth.hashers import make_password

    from agreements.models import User

    encoded = make_password(password)
    with use(name):
        User.objects.update(password=encoded)
