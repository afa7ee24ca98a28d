"""The assistant's HTTP side for the bridge: the REST channel (questions) and the outbox (staff replies)."""
from __future__ import annotations

from typing import Any, Dict, List, Sequence

import httpx


class AssistantUnavailable(Exception):
    """The assistant could not be reached or failed; the resident gets the apology."""


class AssistantClient:
    """The REST channel (questions) and the outbox (staff replies) of the Rasa server."""

    def __init__(self, base_url: str, api_token: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = {"Authorization": f"Bearer {api_token}"}
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=5.0), trust_env=False)

    async def ask(self, sender: str, text: str) -> List[Dict[str, Any]]:
        body = {"sender": sender, "message": text, "input_channel": "telegram"}
        try:
            # As a trusted integrator: it names its residents' sender ids and is limited per resident, not per address.
            resp = await self.http.post(f"{self.base_url}/webhooks/rest/webhook", json=body, headers=self._auth)
        except httpx.HTTPError as exc:
            raise AssistantUnavailable(type(exc).__name__) from None
        answer = _json(resp)
        if resp.status_code == 200 and isinstance(answer, list):
            return answer
        if 400 <= resp.status_code < 500 and isinstance(answer, dict) and str(answer.get("message") or "").strip():
            return [{"text": answer["message"]}]  # a limit the assistant explains (429 and the like)
        raise AssistantUnavailable(f"HTTP {resp.status_code}")

    async def outbox(self) -> List[Dict[str, Any]]:
        resp = await self.http.get(f"{self.base_url}/webhooks/rest/outbox", params={"channel": "telegram"},
                                   headers=self._auth)
        answer = _json(resp)
        if resp.status_code != 200 or not isinstance(answer, dict) or not isinstance(answer.get("messages"), list):
            raise AssistantUnavailable(f"outbox HTTP {resp.status_code}")
        return [m for m in answer["messages"] if isinstance(m, dict)]

    async def ack(self, ids: Sequence[int]) -> None:
        resp = await self.http.post(f"{self.base_url}/webhooks/rest/outbox/ack", json={"ids": list(ids)},
                                    headers=self._auth)
        if resp.status_code != 200:
            raise AssistantUnavailable(f"outbox ack HTTP {resp.status_code}")

    async def aclose(self) -> None:
        await self.http.aclose()


def _json(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None
