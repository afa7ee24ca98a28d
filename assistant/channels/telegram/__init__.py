"""The Telegram bridge: relays residents' Telegram chats to the assistant's REST channel and staff replies back
(ids: keyed sender ids; chats: chat ids and long button payloads; client: the REST channel and outbox;
bridge: the handlers and outbox loop; logmask: secrets out of the logs; cli: `madoguchi telegram`)."""
