"""The kiosk channel: the touch-screen page for city hall (/webhooks/kiosk/), and its message API,
which is the REST channel's door plus the kiosk's rendering (furigana, source QR code)."""
from __future__ import annotations

import io
from functools import lru_cache
from urllib.parse import urlsplit
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.channels.kiosk_access import KioskGate
from assistant.channels.kiosk_forms import add_forms, live_pairs
from assistant.channels.render import to_kiosk
from assistant.channels.common import KIOSK_HEADERS
from assistant.channels.rest import ResidentRestInput
from assistant.channels.furigana import get_furigana
from assistant.knowledge.sources import other_local_government
from assistant.privacy.redact import redact
from assistant.server.edge import refuse_nul_in_path
from assistant.settings import PROJECT_ROOT, Settings

TEMPLATES = PROJECT_ROOT / "assistant" / "templates"
STATIC = PROJECT_ROOT / "assistant" / "static" / "kiosk"


class KioskInput(ResidentRestInput):
    """The kiosk: every message is from channel "kiosk", with the terminal's number and the easy-Japanese switch."""

    security_headers = KIOSK_HEADERS

    @classmethod
    def name(cls) -> Text:
        return "kiosk"

    @classmethod
    def from_settings(cls, settings: Settings, credentials: Optional[Dict[Text, Any]] = None) -> "KioskInput":
        channel = super().from_settings(settings, credentials)
        channel.idle_minutes = settings.kiosk_idle_minutes
        channel.countdown_seconds = settings.kiosk_countdown_seconds
        channel.sources = _knowledge_sources(channel.knowledge)
        get_furigana()  # the dictionary is ready before the first resident touches the screen
        live_pairs()  # and both forms of every answer (for the やさしい日本語 switch)
        return channel

    @classmethod
    def options_from(cls, settings: Settings) -> Dict[str, Any]:
        return {"rate_per_kiosk": settings.rate_per_kiosk, "terminal_days": settings.kiosk_terminal_days}

    def __init__(self, *args: Any, rate_per_kiosk: int = 120, terminal_days: int = 30, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Limited per kiosk terminal, not per address; a terminal credential lasts terminal_days.
        self.gate = KioskGate(self.gate, rate_per_kiosk, terminal_days)

    idle_minutes: float = 2
    countdown_seconds: int = 30
    sources: frozenset = frozenset()

    def channel_of(self, body: Dict[str, Any]) -> str:
        return "kiosk"

    def metadata_of(self, body: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        raw = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        kiosk = kiosk_label(raw.get("kiosk"))  # stored with every message: no number in clear
        return {"kiosk": kiosk or None, "easy": bool(raw.get("easy"))}

    def reply(self, messages: List[Dict[str, Any]]) -> HTTPResponse:
        # An answer or guide step carries both forms: the やさしい日本語 switch re-shows it on the screen.
        shown = add_forms(to_kiosk(messages, get_furigana(), self.source_title), live_pairs(), get_furigana())
        for message in shown:  # the take-home dialog names the page with furigana too
            if message.get("source_title"):
                message["source_title_ruby"] = get_furigana().html(message["source_title"])
        return response.json(shown)

    def source_title(self, url: str) -> str:
        """A cited page in words (the kiosk shows no raw address; its QR code opens the page)."""
        city = self.knowledge.municipality["city"]
        host = urlsplit(url).hostname or ""
        if host and host == urlsplit(city["website"]).hostname:
            return f"{city['name']}のホームページ"
        for suffix, title in SOURCE_TITLES:
            if host == suffix or host.endswith("." + suffix):
                return title
        if "police." in host:
            return "警察のホームページ"
        if "kenpo" in host:
            return "健康保険組合のホームページ"
        # Another city's page about a procedure that is the same all over Japan (a resident asks: why another city?).
        kind = other_local_government(url, city["website"])
        if kind:
            return OTHER_PREFECTURE if kind == "prefecture" else OTHER_CITY
        return "参考にしたホームページ"

    def page(self, request: Request) -> HTTPResponse:
        desk = self.knowledge.municipality["desk"]
        menu = [{"label": b["title"], "ruby": get_furigana().html(b["title"]), "payload": b["payload"]}
                for b in self.knowledge.menu_buttons()]
        html = _templates().get_template("kiosk/index.html").render(
            city=self.knowledge.municipality["city"]["name"], desk=desk, menu=menu,
            kiosk=kiosk_label(request.args.get("kiosk")), idle_minutes=self.idle_minutes,
            countdown_seconds=self.countdown_seconds, greeting_ruby=get_furigana().html(GREETING), greeting=GREETING,
            waiting=WAITING, waiting_ruby=get_furigana().html(WAITING), header=header_labels(get_furigana()),
            phrases={key: {"plain": text, "ruby": get_furigana().html(text)} for key, text in PHRASES.items()},
        )
        return response.html(html)

    def qr_svg(self, url: str) -> Optional[bytes]:
        """A QR code of a source page the assistant cites (nothing else, so it is no open QR service)."""
        if url not in self.sources and not published_source(url):
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

        @webhook.route("/leave", methods=["POST"])
        async def leave(request: Request) -> HTTPResponse:
            """おわる while staff were called: the call is cancelled and staff read that the resident left."""
            sender, refused = self._admitted(request)
            if refused is not None:
                return refused
            return response.json({"cancelled": bool(await self._door("leave", self.safe_sender(sender)))})

        webhook.static("/static", str(STATIC), name="kiosk_static")
        webhook.middleware(refuse_nul_in_path, "request")  # a 404, not the file system's error

        @webhook.listener("main_process_start")
        async def favicon(app, loop) -> None:
            # The browser asks every server for /favicon.ico, outside the channel's prefix: a static route of
            # the app itself, added in Sanic's first listener (before the server's startup fixes the routes).
            serve_favicon(app)

        return webhook


# Who publishes a cited page, by host (the page titles themselves are not in the knowledge).
SOURCE_TITLES = (
    ("kojinbango-card.go.jp", "マイナンバーカード総合サイト"), ("myna.go.jp", "マイナポータル"),
    ("mynumbercard.point.soumu.go.jp", "総務省のマイナンバーカードのページ"), ("soumu.go.jp", "総務省のホームページ"),
    ("digital.go.jp", "デジタル庁のホームページ"), ("mhlw.go.jp", "厚生労働省のホームページ"),
    ("jpki.go.jp", "公的個人認証サービスのページ"), ("j-lis.go.jp", "地方公共団体情報システム機構のページ"),
    ("nta.go.jp", "国税庁のページ"), ("moj.go.jp", "法務省のホームページ"), ("apple.com", "アップルのサポートページ"),
)
FAVICON = STATIC / "favicon.ico"
OTHER_CITY = "参考：ほかの市区町村の案内（全国で同じ手続き）"
OTHER_PREFECTURE = "参考：ほかの都道府県の案内（全国で同じ手続き）"

# The header's buttons: "|" where a long label may break (never inside a word), and readings the dictionary
# would get wrong out of context (文字 大 is もじ だい).
HEADER = {"show-tools": "ふりがな・|文字", "furigana": "ふりがな", "easy": "やさしい|日本語", "size-large": "文字 大",
          "size-xlarge": "文字 特大", "menu-again": "最初の|メニュー", "call-staff": "職員を呼ぶ", "finish": "おわる"}
READINGS = {"文字 大": "<ruby>文字<rt>もじ</rt></ruby> <ruby>大<rt>だい</rt></ruby>"}


def header_labels(furigana) -> Dict[str, Any]:
    """Each header button's label and its furigana form, as the end of its start tag and its content."""
    from markupsafe import Markup

    labels = {}
    for key, label in HEADER.items():
        parts = label.split("|")
        plain = Markup("<wbr>").join(parts)
        ruby = Markup("<wbr>").join(Markup(READINGS.get(p) or furigana.html(p)) for p in parts)
        labels[key] = Markup(' data-plain-html="{}" data-ruby="{}">{}').format(str(plain), str(ruby), plain)
    return labels


def serve_favicon(app) -> None:
    """/favicon.ico at the server's root: the kiosk's icon, through Sanic's static files (304 when unchanged)."""
    if any(route.path == "favicon.ico" for route in app.router.routes):
        return
    app.static("/favicon.ico", str(FAVICON), name="kiosk_favicon", content_type="image/x-icon")


def kiosk_label(value: Any) -> str:
    """The kiosk's number as the page and its messages carry it: 32 characters at most, no personal data in clear."""
    return redact(str(value or "")[:32]).text


WAITING = "職員を呼びました。この画面の前でお待ちください。"
# What the page's script writes on the screen itself; the page gets each with its furigana.
PHRASES = {
    "easy-on": "やさしい日本語にしました。画面の答えも、これからの答えも、やさしい日本語で出ます。",
    "easy-off": "ふつうの日本語にしました。",
    "no-easy": "この文は、やさしい日本語ではありません。",
    "not-sent": "うまく送れませんでした。もう一度押してください。困ったときは「職員を呼ぶ」を押してください。",
    "take-home": "持ち帰る（QRコード）",
    "staff": "職員",
}
GREETING = "こんにちは。マイナンバーカードや、オンラインの手続きをご案内します。知りたいことのボタンを押してください。"


@lru_cache(maxsize=1)
def _templates():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    env.filters["ruby"] = lambda text: get_furigana().html(str(text))  # a text's furigana form (escaped in place)
    return env


def published_source(url: str) -> bool:
    """A page an answer published in the staff console cites (it may be new to knowledge/)."""
    from sqlalchemy.exc import SQLAlchemyError

    from assistant.knowledge.versions import shared_versions

    if not url.startswith(("https://", "http://")) or len(url) > 2000:
        return False
    try:
        return shared_versions(Settings.from_env().database_url).cites(url)
    except SQLAlchemyError:
        return False


def _knowledge_sources(knowledge) -> frozenset:
    urls = {knowledge.municipality["city"]["website"]}
    for topic in knowledge.topics.values():
        urls.update(e.source for e in topic.entries)
    for guide in knowledge.guides.values():
        urls.update(s.source for s in guide.steps)
    return frozenset(u for u in urls if u.startswith("http"))
