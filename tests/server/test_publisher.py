"""The production servers' event broker publishes Rasa's messages (one persistent JSON message per
event, in order) or, as the production profile has it, one persistent message per save (the JSON
array of the same events), and keeps what it could not publish, as Rasa's does."""
import asyncio
import json
import uuid

import pytest
import rasa.shared.core.events  # noqa: F401  (Rasa's broker uses it without importing it)
from rasa.core.brokers.pika import PikaEventBroker

from assistant.server.broker import BatchingPikaEventBroker
from tests.helpers.services import drain_messages


def events(n: int, sender: str = "pub-1"):
    return [{"sender_id": sender, "event": "user", "timestamp": 1_700_000_000.0 + i, "text": f"質問{i}",
             "parse_data": {"intent": {"name": "card_apply", "confidence": 0.9}}} for i in range(n)]


def drain(queue: str):
    """The queue's messages (body, delivery mode); deletes the queue and its exchange (named alike)."""
    return [(body, properties.delivery_mode) for body, properties in drain_messages(queue, delete_exchange=queue)]


async def publish_all(broker_class, queue: str, batches, **settings):
    # An exchange of the test's own: Rasa's fans out to every queue bound to it on this machine.
    broker = broker_class("127.0.0.1", "guest", "guest", queues=[queue], exchange_name=queue, **settings)
    await broker.connect()
    try:
        for batch in batches:
            for event in batch:
                broker.publish(event)
            await asyncio.sleep(0)  # a save hands its events over in one go, then the server goes on
        while broker._background_tasks:
            await asyncio.sleep(0.02)
    finally:
        await broker.close()


@pytest.mark.services
def test_the_messages_are_rasas_one_per_event_in_order():
    sent = events(25)
    ours, rasas = f"madoguchi_pub_{uuid.uuid4().hex[:8]}", f"madoguchi_pub_{uuid.uuid4().hex[:8]}"
    asyncio.run(publish_all(BatchingPikaEventBroker, ours, [sent[:10], sent[10:11], sent[11:]]))
    asyncio.run(publish_all(PikaEventBroker, rasas, [sent]))
    got, expected = drain(ours), drain(rasas)
    assert [json.loads(body) for body, _mode in got] == sent
    assert got == expected  # byte for byte what Rasa's broker sends, persistent (delivery mode 2)
    assert {mode for _body, mode in got} == {2}


@pytest.mark.services
def test_one_message_per_save_carries_the_saves_events_in_order():
    from assistant.analytics.event_log import event_row, event_rows

    sent = events(25, sender="pub-4")
    queue = f"madoguchi_pub_{uuid.uuid4().hex[:8]}"
    asyncio.run(publish_all(BatchingPikaEventBroker, queue, [sent[:10], sent[10:11], sent[11:]], one_message_per_save="true"))
    got = drain(queue)
    assert [json.loads(body) for body, _mode in got] == [sent[:10], sent[10:11], sent[11:]]
    assert {mode for _body, mode in got} == {2}  # persistent, as Rasa's
    # The consumer makes the same rows of them as of Rasa's one message per event.
    rows = [row for body, _mode in got for row in event_rows(body)]
    assert rows == [event_row(json.dumps(event).encode()) for event in sent]


def test_the_production_profile_sends_one_message_per_save():
    import yaml

    from assistant.settings import PROJECT_ROOT

    config = yaml.safe_load((PROJECT_ROOT / "assistant" / "rasa" / "endpoints.production.yml").read_text())["event_broker"]
    assert config["type"] == "assistant.server.broker.BatchingPikaEventBroker"

    async def setting(**settings):  # Rasa's broker takes the running event loop
        return BatchingPikaEventBroker("127.0.0.1", "guest", "guest", queues=["unused"], **settings).one_message_per_save

    assert asyncio.run(setting(one_message_per_save=config["one_message_per_save"])) is True
    assert asyncio.run(setting()) is False


class FlakyExchange:
    """Refuses every third message, as a broker whose connection broke mid-batch would (or none)."""

    def __init__(self, refuse_every: int = 3) -> None:
        self.published, self.calls, self.refuse_every = [], 0, refuse_every

    async def publish(self, message, routing_key):
        self.calls += 1
        if self.refuse_every and self.calls % self.refuse_every == 0:
            raise ConnectionError("connection reset")
        self.published.append(json.loads(message.body))


def test_events_that_could_not_be_published_are_kept_for_later():
    async def settle(broker):
        while broker._background_tasks:
            await asyncio.sleep(0.01)

    async def scenario():
        broker = BatchingPikaEventBroker("127.0.0.1", "guest", "guest", queues=["unused"])
        broker._exchange = FlakyExchange()
        sent = events(9, sender="pub-2")
        for event in sent:
            broker.publish(event)
        await settle(broker)
        kept = list(broker._unpublished_events)
        assert kept == [sent[2], sent[5], sent[8]]
        assert broker._exchange.published == [e for i, e in enumerate(sent) if i % 3 != 2]
        # Rasa publishes the kept events when the connection is back (its reconnect callback).
        broker._exchange = FlakyExchange(refuse_every=0)
        broker._publish_unpublished_messages()
        await settle(broker)
        assert broker._exchange.published == kept and not broker._unpublished_events

    asyncio.run(scenario())


def test_events_published_before_the_connection_are_kept():
    async def scenario():
        broker = BatchingPikaEventBroker("127.0.0.1", "guest", "guest", queues=["unused"])
        for event in events(3, sender="pub-3"):
            broker.publish(event)
        while broker._background_tasks:
            await asyncio.sleep(0.01)
        return broker

    assert len(asyncio.run(scenario())._unpublished_events) == 3


def test_a_save_whose_message_failed_is_kept_whole():
    async def scenario():
        broker = BatchingPikaEventBroker("127.0.0.1", "guest", "guest", queues=["unused"], one_message_per_save=True)
        broker._exchange = FlakyExchange(refuse_every=2)
        saves = [events(4, sender=f"pub-5-{n}") for n in range(3)]
        for save in saves:
            for event in save:
                broker.publish(event)
            while broker._background_tasks:
                await asyncio.sleep(0.01)
        assert broker._exchange.published == [saves[0], saves[2]]  # each save one message
        assert list(broker._unpublished_events) == saves[1]  # the refused one, every event of it

    asyncio.run(scenario())
