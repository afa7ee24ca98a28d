"""The local services of the production profile (PostgreSQL, Redis, RabbitMQ): the `services` fixture and the queue."""
from __future__ import annotations

import os
import socket

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
