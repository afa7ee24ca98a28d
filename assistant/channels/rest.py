"""The REST channel residents and integrators use: checks each message at the door, never answers with silence."""
# Longer than 300 lines: one class, Rasa's RestInput extended; its routes share the door's state and checks. What
# could stand alone already does: credentials and limits (access.py), the handoff door (assistant/handoff/door.py).
from __future__ import annotations

import asyncio
import hmac
import logging
import re
import secrets
import unicodedata
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.channels.access import ConversationTokens, Gate, parse_networks
from assistant.channels.common import API_HEADERS, CHANNELS, apology
from assistant.handoff.door import HandoffDoor
from assistant.server.gc_tuning import calm_collector
from assistant.handoff.profile import load_handoff_profile
from assistant.handoff.store import HandoffStore
from assistant.knowledge import Knowledge, load_knowledge
from assistant.channels import follow_up
from assistant.server.nlu_pool import NluPool, shared_pool, stop_shared_pool
from assistant.privacy.memory import redact_message
from assistant.privacy.redact import redact
from assistant.channels.ratelimit import DoorLimits, shared_limits
from assistant.settings import Settings

logger = logging.getLogger(__name__)

KNOWN_CHANNELS = frozenset(CHANNELS)
SECURITY_HEADERS = API_HEADERS
MAX_SENDER_CHARS = 128
MAX_METADATA_KEYS = 20
MAX_METADATA_VALUE_CHARS = 200
_INVISIBLE_RE = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_LONE_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")  # JSON's "\ud800" alone: no character, and no store can keep it


def bad_sender(sender: Any) -> bool:
    """True for a sender id that is not a usable conversation id (also one holding a lone surrogate)."""
    return (not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS
            or bool(_LONE_SURROGATE_RE.search(sender)))


class ResidentRestInput(RestInput):
    """Rasa's REST channel with checks at the door and a fixed apology instead of silence."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ResidentRestInput":
        return cls.from_settings(Settings.from_env(), credentials)

    @classmethod
    def from_settings(cls, settings: Settings, credentials: Optional[Dict[Text, Any]] = None) -> "ResidentRestInput":
        """The channel as the server runs it, every setting taken from `settings` (read once, by the caller)."""
        max_chars = int((credentials or {}).get("max_message_chars") or settings.max_message_chars)
        from assistant.launcher import api_token

        from assistant.privacy.keys import product_id_key

        door = HandoffDoor(HandoffStore.from_url(settings.database_url), load_handoff_profile(settings.knowledge_dir))
        token = api_token(settings.data_dir)
        # The API token is an integrator's too (the Telegram bridge holds it); so are the configured ones.
        return cls(load_knowledge(settings.knowledge_dir), max_chars, settings.rate_per_sender, settings.rate_per_ip,
                   door=door, bridge_token=token, nlu_workers=settings.nlu_workers,
                   id_key=product_id_key(settings.data_dir), integrator_tokens=(token, *settings.integrator_tokens),
                   trusted_proxies=settings.trusted_proxies, **cls.options_from(settings))

    @classmethod
    def options_from(cls, settings: Settings) -> Dict[str, Any]:
        """A channel's own settings, beyond the REST channel's (none here)."""
        return {}

    def __init__(self, knowledge: Knowledge, max_message_chars: int = 1000,
                 rate_per_sender: int = 30, rate_per_ip: int = 600,
                 door: Optional[HandoffDoor] = None, bridge_token: Optional[str] = None, nlu_workers: int = 0,
                 id_key: Optional[str] = None, integrator_tokens: Sequence[str] = (), trusted_proxies: Sequence[str] = (),
                 limits: Optional[DoorLimits] = None) -> None:
        self.knowledge = knowledge
        self.max_message_chars = max_message_chars
        self.id_key = id_key
        # The REST and kiosk channels of one server share their limits (one bucket per resident, whatever the channel).
        self.gate = Gate(ConversationTokens(id_key or secrets.token_hex(32)),
                         limits or shared_limits(rate_per_sender, rate_per_ip), integrator_tokens,
                         parse_networks(trusted_proxies))
        self.door = door
        self.bridge_token = bridge_token
        self.nlu_workers = nlu_workers
        self.nlu: Optional[NluPool] = None

    # --- replies that never need the assistant -------------------------------------------
    def _desk(self) -> Dict[str, str]:
        return self.knowledge.municipality["desk"]

    def apology(self) -> str:
        return apology(self._desk())

    def empty_reply(self) -> str:
        return "ご質問を文字で入力してください。下のボタンから選ぶこともできます。"

    def too_long_reply(self) -> str:
        return (
            f"メッセージが長すぎるため、読み取れませんでした（{self.max_message_chars}文字まで）。"
            "ご質問を短く分けて、もう一度送ってください。"
        )

    def secret_warning(self) -> str:
        return (
            "ご注意：マイナンバー（12桁の番号）や暗証番号は、チャットに入力しないでください。"
            "入力された番号は記録せず、伏せ字にしました。職員がこれらをおたずねすることはありません。"
        )

    @staticmethod
    def clean_metadata(metadata: Any) -> Optional[Dict[str, Any]]:
        """Keeps small, flat metadata only, with personal data redacted (it is stored with the message)."""
        if not isinstance(metadata, dict):
            return None
        kept: Dict[str, Any] = {}
        for key, value in list(metadata.items())[:MAX_METADATA_KEYS]:
            if not isinstance(key, str) or len(key) > 64:
                continue
            if isinstance(value, str):
                kept[key] = redact(value[:MAX_METADATA_VALUE_CHARS]).text
            elif isinstance(value, (bool, int, float)) or value is None:
                kept[key] = value
        return kept

    def menu_buttons(self) -> List[Dict[str, str]]:
        return self.knowledge.menu_buttons()

    @staticmethod
    def has_words(text: str) -> bool:
        """True when the text has a letter or a digit in any script (not only emoji or punctuation)."""
        return any(unicodedata.category(c)[0] in "LN" for c in text)

    def no_words_reply(self) -> str:
        return "ご質問を言葉で入力してください。下のボタンから選ぶこともできます。"

    @staticmethod
    def clean(text: str) -> str:
        """Removes control and invisible characters; keeps what the resident wrote otherwise."""
        return _LONE_SURROGATE_RE.sub(" ", _INVISIBLE_RE.sub(" ", text)).strip()

    # --- the HTTP side --------------------------------------------------------------------
    @staticmethod
    def _bad_request(problem: str) -> HTTPResponse:
        return response.json({"error": "bad_request", "message": problem}, status=400)

    def _admitted(self, request: Request) -> Tuple[Optional[str], Optional[HTTPResponse]]:
        """The sender of a resident's POST whose credential holds, or the refusal to answer with."""
        refused, trusted = self.gate.enter(request)
        if refused is not None:
            return None, refused
        try:
            body = request.json
        except Exception:
            return None, self._bad_request("本文はJSONで送ってください。")
        sender = body.get("sender") if isinstance(body, dict) else None
        if bad_sender(sender):
            return None, self._bad_request(f"sender は{MAX_SENDER_CHARS}文字までの文字列で指定してください。")
        refused = self.gate.admit(sender, body.get("token"), trusted, self._start_path())
        return (None, refused) if refused is not None else (sender, None)

    def _start_path(self) -> str:
        return f"POST /webhooks/{self.url_prefix()}/start"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.listener("after_server_start")
        async def settle_memory(app, loop) -> None:
            # The model is loaded by now: its millions of objects never die, so the garbage collector
            # need not walk them again (a full collection over them stalls every reply for a moment).
            calm_collector()
            agent = getattr(app.ctx, "agent", None)
            if self.nlu_workers > 0 and agent is not None and agent.processor is not None:
                self.nlu = shared_pool(agent.processor.model_path, self.nlu_workers)

        from assistant.server.edge import hang_up_on_cut_uploads

        hang_up_on_cut_uploads()  # on Rasa's app, which exists by now

        @webhook.listener("before_server_start")
        async def http_edge(app, loop) -> None:
            # Body and time limits, security headers on Rasa's own routes, no version without the token.
            from assistant.server.edge import install

            install(app, self.bridge_token, SECURITY_HEADERS)

        @webhook.listener("before_server_stop")
        async def stop_nlu_workers(app, loop) -> None:
            stop_shared_pool()
            self.nlu = None

        @webhook.middleware("response")
        async def security_headers(request: Request, resp: HTTPResponse) -> None:
            resp.headers.update(self.security_headers)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            nlu = self.nlu
            ready = nlu is not None and nlu.ready
            return response.json({"status": "ok", "nlu_workers": nlu.workers if ready else 0,
                                  "parsed_by_workers": nlu.parsed if nlu is not None else 0})

        @webhook.route("/start", methods=["POST"])
        async def start(request: Request) -> HTTPResponse:
            """A new conversation: its sender id and the token that goes with every message and inbox poll."""
            refused, _trusted = self.gate.enter(request)
            return refused or self.gate.start(request, self.name())

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused, trusted = self.gate.enter(request)
            if refused is not None:
                return refused
            try:
                body = request.json
            except Exception:  # invalid JSON or invalid UTF-8
                return self._bad_request("本文はJSONで送ってください。")
            if not isinstance(body, dict):
                return self._bad_request('{"sender": "...", "message": "..."} の形で送ってください。')
            sender = body.get("sender")
            if isinstance(sender, int) and not isinstance(sender, bool):
                sender = str(sender)
            if bad_sender(sender):
                return self._bad_request(f"sender は{MAX_SENDER_CHARS}文字までの文字列で指定してください。")
            refused = self.gate.admit(sender, body.get("token"), trusted, self._start_path())
            if refused is not None:
                return refused
            text = body.get("message", "")
            if text is None:
                text = ""
            if not isinstance(text, str):
                return self._bad_request("message は文字列で指定してください。")
            channel = self.channel_of(body) if trusted else self.name()  # only an integrator says which channel
            metadata = self.metadata_of(body)

            text = self.clean(text)
            if not text:
                return self.reply([{"recipient_id": sender, "text": self.empty_reply(), "buttons": self.menu_buttons()}])
            if len(text) > self.max_message_chars:
                return self.reply([{"recipient_id": sender, "text": self.too_long_reply()}])
            if not self.has_words(text):
                # Emoji or punctuation alone carry no question (and would only confuse the NLU).
                return self.reply([{"recipient_id": sender, "text": self.no_words_reply(), "buttons": self.menu_buttons()}])
            # Normalised, then redacted at the door: nothing after this line (stores, logs, the NLU and its
            # normaliser) sees personal data in clear; a number split over two messages is caught in the second.
            sender = self.safe_sender(sender)
            raw_text, redaction = text, redact_message(sender, text)
            text = redaction.text
            warning = [{"recipient_id": sender, "text": self.secret_warning()}] if redaction.had_secret else []

            held, pending = await self._door("before", sender, raw_text, text) or (None, [])
            if held is not None:  # staff have this conversation: the bot stays silent
                return self.reply(warning + held)
            collector = CollectingOutputChannel()
            try:
                parse_data = await self.understand(request, sender, text)
                await on_new_message(UserMessage(text, collector, sender, input_channel=channel, metadata=metadata,
                                                 parse_data=parse_data))
            except Exception:
                # The resident's text is not logged: it may hold personal data.
                logger.exception("rest: handling a message failed (sender hash %s)", hash(sender) & 0xFFFF)
                return self.reply([{"recipient_id": sender, "text": self.apology()}])
            messages = collector.messages or [{"recipient_id": sender, "text": self.apology()}]
            return self.reply(warning + pending + messages)

        @webhook.route("/inbox", methods=["POST"])
        async def inbox(request: Request) -> HTTPResponse:
            """Staff replies waiting for a conversation (REST and kiosk clients poll this during a handoff)."""
            sender, refused = self._admitted(request)
            if refused is not None:
                return refused
            return self.reply(await self._door("pending", self.safe_sender(sender)) or [])

        @webhook.route("/outbox", methods=["GET"])
        async def outbox(request: Request) -> HTTPResponse:
            """For channel bridges (Telegram): undelivered staff messages of one channel; API token required."""
            if not self._bridge_allowed(request):
                return response.json({"error": "unauthorized", "message": "API token required"}, status=401)
            channel = request.args.get("channel", "")
            if channel not in KNOWN_CHANNELS:
                return self._bad_request(f"channel は {sorted(KNOWN_CHANNELS)} のどれかです。")
            rows = await asyncio.to_thread(self.door.store.pending_for_channel, channel) if self.door else []
            from assistant.handoff.door import as_reply

            return response.json({"messages": [dict(as_reply(m, m.conversation_id), id=m.id) for m in rows]})

        @webhook.route("/outbox/ack", methods=["POST"])
        async def outbox_ack(request: Request) -> HTTPResponse:
            if not self._bridge_allowed(request):
                return response.json({"error": "unauthorized", "message": "API token required"}, status=401)
            try:
                ids = (request.json or {}).get("ids")
            except Exception:
                ids = None
            if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids) or len(ids) > 1000:
                return self._bad_request('{"ids": [1, 2]} の形で送ってください。')
            done = await asyncio.to_thread(self.door.store.acknowledge, ids) if self.door else 0
            return response.json({"acknowledged": done})

        return webhook

    # --- what a channel built on this one may change --------------------------------------
    security_headers = SECURITY_HEADERS

    async def understand(self, request: Request, sender: str, text: str) -> Optional[Dict[str, Any]]:
        """The NLU's parse (None: Rasa parses it); a short follow-up is read with the previous question
        (assistant/channels/follow_up.py): 「何時まで？」 after a question on コンビニ交付 asks its hours."""
        parse_data = await self.parse_in_worker(request, text)
        agent = getattr(request.app.ctx, "agent", None)
        peek = getattr(getattr(agent, "tracker_store", None), "peek", None)
        # Without a worker's parse (none, busy or still loading) the server reads the message alone, once.
        if parse_data is None or peek is None or not follow_up.may_follow_up(text, parse_data) or follow_up.reads_alone(parse_data, text):
            return parse_data
        try:
            # The conversation as this server last saved it, left in place for Rasa (no second read).
            tracker = await peek(sender)
            previous = follow_up.previous_question(tracker, self.knowledge)
            if previous is None:
                return parse_data
            together = await self.parse_in_worker(request, f"{previous}\n{text}")
            answered = f"{tracker.get_slot('last_topic')}/{tracker.get_slot('last_entry')}"
            return follow_up.in_context(parse_data, together, text, previous, answered) if together else parse_data
        except Exception:
            # The message is still answered, read alone.
            logger.exception("rest: the previous question could not be read with a follow-up")
            return parse_data

    async def parse_in_worker(self, request: Request, text: str) -> Optional[Dict[str, Any]]:
        """The NLU's parse from a worker process (assistant/server/nlu_pool.py), or None: Rasa parses it."""
        if self.nlu is None:
            return None
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.processor is None:
            return None
        return await self.nlu.parse(text, str(agent.processor.model_path))

    def channel_of(self, body: Dict[str, Any]) -> str:
        channel = body.get("input_channel")
        return channel if isinstance(channel, str) and channel in KNOWN_CHANNELS else self.name()

    def metadata_of(self, body: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        return self.clean_metadata(body.get("metadata"))

    def reply(self, messages: List[Dict[str, Any]]) -> HTTPResponse:
        """The HTTP answer with the assistant's messages (a channel may add its own rendering)."""
        return response.json(messages)

    def safe_sender(self, sender: str) -> str:
        """A sender id with personal data in it (a phone number as the id) becomes a keyed hash: the
        same id always maps to the same conversation, different ids never merge, the number is not kept."""
        if not redact(sender).found:
            return sender
        import hashlib

        key = (self.id_key or self.bridge_token or "").encode()
        return "h-" + hmac.new(key, sender.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def _bridge_allowed(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        given = header[7:] if header.startswith("Bearer ") else ""
        return bool(self.bridge_token and given and hmac.compare_digest(given, self.bridge_token))

    async def _door(self, what: str, *args: Any) -> Any:
        """Runs a door step in a worker thread; a database fault lets the bot answer instead of failing."""
        if self.door is None:
            return None
        try:
            return await asyncio.to_thread(getattr(self.door, what), *args)
        except Exception:
            logger.exception("rest: the handoff store could not be read; the assistant answers instead")
            return None
