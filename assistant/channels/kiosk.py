"""The kiosk channel: the touch-screen page for city hall (/webhooks/kiosk/), and its message API,
which is the REST channel's door plus the kiosk's rendering (furigana, source QR code)."""
from __future__ import annotations

import io
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.channels.render import to_kiosk
from assistant.channels.rest import SECURITY_HEADERS, ResidentRestInput
from assistant.furigana import get_furigana
from assistant.privacy.redact import redact
from assistant.settings import PROJECT_ROOT, Settings

TEMPLATES = PROJECT_ROOT / "assistant" / "templates"
STATIC = PROJECT_ROOT / "assistant" / "static" / "kiosk"
KIOSK_HEADERS = dict(SECURITY_HEADERS, **{
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
    ),
})


class KioskInput(ResidentRestInput):
    """The kiosk: every message is from channel "kiosk", with the terminal's number and the easy-Japanese switch."""

    security_headers = KIOSK_HEADERS

    @classmethod
    def name(cls) -> Text:
        return "kiosk"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "KioskInput":
        channel = super().from_credentials(credentials)
        settings = Settings.from_env()
        channel.idle_minutes = settings.kiosk_idle_minutes
        channel.countdown_seconds = settings.kiosk_countdown_seconds
        channel.sources = _knowledge_sources(channel.knowledge)
        get_furigana()  # the dictionary is ready before the first resident touches the screen
        return channel

    idle_minutes: float = 2
    countdown_seconds: int = 30
    sources: frozenset = frozenset()

    def channel_of(self, body: Dict[str, Any]) -> str:
        return "kiosk"

    def metadata_of(self, body: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        raw = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        kiosk = redact(str(raw.get("kiosk") or "")[:32]).text  # stored with every message: no number in clear
        return {"kiosk": kiosk or None, "easy": bool(raw.get("easy"))}

    def reply(self, messages: List[Dict[str, Any]]) -> HTTPResponse:
        return response.json(to_kiosk(messages, get_furigana()))

    def page(self, request: Request) -> HTTPResponse:
        desk = self.knowledge.municipality["desk"]
        menu = [{"label": label, "ruby": get_furigana().html(label), "payload": f"/{topic}"}
                for label, topic in self.knowledge.menu]
        html = _templates().get_template("kiosk/index.html").render(
            city=self.knowledge.municipality["city"]["name"], desk=desk, menu=menu,
            kiosk=str(request.args.get("kiosk", ""))[:32], idle_minutes=self.idle_minutes,
            countdown_seconds=self.countdown_seconds, greeting_ruby=get_furigana().html(GREETING), greeting=GREETING,
        )
        return response.html(html)

    def qr_svg(self, url: str) -> Optional[bytes]:
        """A QR code of a source page the assistant cites (nothing else, so it is no open QR service)."""
        if url not in self.sources:
            return None
        import segno

        out = io.BytesIO()
        segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, dark="#000", light="#fff")
        return out.getvalue()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.route("/page", methods=["GET"])
        async def kiosk_page(request: Request) -> HTTPResponse:
            return self.page(request)

        @webhook.route("/qr", methods=["GET"])
        async def qr(request: Request) -> HTTPResponse:
            svg = self.qr_svg(request.args.get("url", ""))
            if svg is None:
                return response.json({"error": "not_found", "message": "この出典のQRコードはありません。"}, status=404)
            return response.raw(svg, content_type="image/svg+xml")

        webhook.static("/static", str(STATIC), name="kiosk_static")
        return webhook


GREETING = "こんにちは。マイナンバーカードや、オンラインの手続きのことをご案内します。下のボタンから選んでください。文字で質問することもできます。"


@lru_cache(maxsize=1)
def _templates():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))


def _knowledge_sources(knowledge) -> frozenset:
    urls = {knowledge.municipality["city"]["website"]}
    for topic in knowledge.topics.values():
        urls.update(e.source for e in topic.entries)
    for guide in knowledge.guides.values():
        urls.update(s.source for s in guide.steps)
    return frozenset(u for u in urls if u.startswith("http"))
