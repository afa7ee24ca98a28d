"""The demo's client of the REST channel: one shared pace, waits on 429, and a resident's chat with its timeline."""
from __future__ import annotations

import asyncio
import json
import random
import re
import time
from typing import Any, Dict, List, Optional

import aiohttp

from assistant.demo.timeline import Timeline

GUIDE_STARTED_RE = re.compile(r"の手順を、ひとつずつご案内します")
_RETRIES = 6


class DemoError(RuntimeError):
    """The demo cannot go on (nothing answers, or the stores are not the ones the assistant uses)."""


class Diverted(Exception):
    """The conversation went to a person (or the desk was closed and a callback was offered)."""


class Pace:
    """At most `rate` requests a second from this process (a demo should not crowd out real residents)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next = 0.0
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.interval:
            return
        async with self.lock:
            now = time.monotonic()
            delay = self.next - now
            self.next = max(now, self.next) + self.interval
        if delay > 0:
            await asyncio.sleep(delay)


class Client:
    """POSTs JSON to the assistant; a 429 waits as the server asks, then the request is sent again."""

    def __init__(self, url: str, session: aiohttp.ClientSession, pace: Pace, api_token: str = "") -> None:
        self.url, self.session, self.pace = url.rstrip("/"), session, pace
        # A trusted integrator (the API token): the demo names its residents' sender ids and channels.
        self.headers = {"Authorization": f"Bearer {api_token}"} if api_token else {}
        self.requests = 0

    async def post(self, path: str, body: Dict[str, Any]) -> List[Dict[str, Any]]:
        for _ in range(_RETRIES):
            await self.pace.wait()
            self.requests += 1
            try:
                async with self.session.post(f"{self.url}{path}", json=body, headers=self.headers) as resp:
                    if resp.status == 429:
                        await asyncio.sleep(min(60.0, float(resp.headers.get("Retry-After") or 5)))
                        continue
                    if resp.status != 200:
                        raise DemoError(f"{self.url}{path} answered {resp.status}: {(await resp.text())[:200]}")
                    return await resp.json()
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                raise DemoError(f"the assistant at {self.url} stopped answering: {exc or 'timed out'}") from None
        raise DemoError(f"{self.url}{path} kept answering 429 (too many requests): lower --rate")


class Chat:
    """One demo resident's conversation: what they send, what they last got back, and when (in demo time)."""

    def __init__(self, client: Client, sender: str, channel: str, kiosk: Optional[str], rng: random.Random) -> None:
        self.client, self.sender, self.channel, self.kiosk, self.rng = client, sender, channel, kiosk, rng
        self.timeline = Timeline()
        self.replies: List[Dict[str, Any]] = []
        self.sent = 0
        self.guide_runs = 0
        self.handoffs: List[int] = []
        self.handled: List[int] = []
        self.offered = False  # the last reply offers a callback (the desk is closed)
        self.was_offered = False
        self.met_staff = False
        self.last_at = 0.0
        self.slowness = rng.uniform(0.7, 2.2) * (1.4 if channel == "kiosk" else 1.0)

    # --- what the resident does -----------------------------------------------------------
    async def say(self, text: str, pause: float = 0.0, divert: bool = True) -> List[Dict[str, Any]]:
        """Sends a message (typed text or a button's payload) `pause` seconds after the last one."""
        self.timeline.mark(pause * self.slowness)
        body: Dict[str, Any] = {"sender": self.sender, "message": text, "input_channel": self.channel}
        if self.kiosk:
            body["metadata"] = {"kiosk": self.kiosk}
        self.replies = await self.client.post("/webhooks/rest/webhook", body)
        self.sent += 1
        self.last_at = time.time()
        self._notice()
        if divert and (self.open_handoff() is not None or self.offered):
            raise Diverted()
        return self.replies

    async def press(self, button: Dict[str, str], pause: float = 0.0, divert: bool = True) -> List[Dict[str, Any]]:
        return await self.say(button["payload"], pause, divert)

    async def tap(self, prefix: str, pause: float = 0.0, divert: bool = True) -> bool:
        """Presses the first button whose payload starts with `prefix`; False when there is none."""
        button = self.find(prefix)
        if button is None:
            return False
        await self.press(button, pause, divert)
        return True

    async def inbox(self, pause: float = 0.0) -> List[Dict[str, Any]]:
        """Fetches staff messages waiting for this conversation, as the web page and the kiosk do."""
        self.timeline.mark(pause * self.slowness)
        self.replies = await self.client.post("/webhooks/rest/inbox", {"sender": self.sender})
        return self.replies

    def wait(self, seconds: float) -> None:
        """Time passes without the resident (staff reading, the queue)."""
        self.timeline.mark(seconds)

    # --- what the resident sees -----------------------------------------------------------
    def _notice(self) -> None:
        for reply in self.replies:
            handoff = (reply.get("custom") or {}).get("handoff")
            if isinstance(handoff, dict) and isinstance(handoff.get("id"), int) and handoff["id"] not in self.handoffs:
                self.handoffs.append(handoff["id"])
            if GUIDE_STARTED_RE.search(reply.get("text") or ""):
                self.guide_runs += 1
        self.offered = self.find("/handoff_callback") is not None
        self.was_offered = self.was_offered or self.offered

    def open_handoff(self) -> Optional[int]:
        pending = [h for h in self.handoffs if h not in self.handled]
        return pending[0] if pending else None

    @property
    def buttons(self) -> List[Dict[str, str]]:
        return [b for r in self.replies for b in (r.get("buttons") or []) if isinstance(b, dict) and b.get("payload")]

    @property
    def text(self) -> str:
        return "\n".join(r.get("text") or "" for r in self.replies)

    def find(self, prefix: str, title: Optional[str] = None) -> Optional[Dict[str, str]]:
        for button in self.buttons:
            if button["payload"].startswith(prefix) and (title is None or button.get("title") == title):
                return button
        return None

    def all(self, prefix: str) -> List[Dict[str, str]]:
        return [b for b in self.buttons if b["payload"].startswith(prefix)]


def payload_value(button: Dict[str, str], key: str) -> Optional[str]:
    """A value of the JSON after the intent in a button payload (/guide_start{"guide":"x"} -> x)."""
    _, _, rest = button.get("payload", "").partition("{")
    try:
        value = json.loads("{" + rest) if rest else {}
    except ValueError:
        return None
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, str) else None
