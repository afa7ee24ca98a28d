"""The local services of the production profile (PostgreSQL, Redis, RabbitMQ): the `services` fixture and the queue."""
from __future__ import annotations

import os
import socket
from contextlib import contextmanager
from typing import Iterator

import pytest


SERVICES = (("PostgreSQL", 5432), ("Redis", 6379), ("RabbitMQ", 5672))


def reachable(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def services():
    """Skips the module's tests when a service is not running (fails instead with MADOGUCHI_REQUIRE_SERVICES)."""
    missing = [name for name, port in SERVICES if not reachable(port)]
    if missing:
        message = f"{' and '.join(missing)} not running on 127.0.0.1"
        if os.environ.get("MADOGUCHI_REQUIRE_SERVICES"):
            pytest.fail(message + " (MADOGUCHI_REQUIRE_SERVICES is set)")
        pytest.skip(message)


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A new database on the local PostgreSQL, named prefix_<random>, as a city's DBA would create it before the
    first start; dropped afterwards (with any connection still open to it). Yields its name."""
    import uuid

    import psycopg2

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def postgres_url(name: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drain_messages(queue: str, delete_exchange: str = ""):
    """The queue's messages as (body, properties); with delete_exchange, deletes the queue and it."""
    import pika

    connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1"))
    channel = connection.channel()
    messages = []
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            break
        messages.append((body, properties))
    if delete_exchange:
        channel.queue_delete(queue)
        channel.exchange_delete(delete_exchange)
    connection.close()
    return messages
