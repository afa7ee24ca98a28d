"""The Rasa server's HTTP edge and the action server, on the running stack: body and time limits, security
headers on Rasa's own routes, no version without the token, the action server on loopback behind its shared
secret, and bad input at the REST door that once gave a 500."""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from assistant.server.actions import SECRET_HEADER

pytestmark = pytest.mark.model


def get(url: str, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode("utf-8", "replace")


def post(url: str, body: bytes, headers=None):
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def as_integrator(assistant):
    """The headers of a trusted integrator (the API token), which may name its own sender ids."""
    return {"Authorization": f"Bearer {assistant.token}"}


def say(assistant, sender: str, text: str) -> str:
    status, body = post(f"{assistant.url}/webhooks/rest/webhook", json.dumps({"sender": sender, "message": text}).encode(),
                        as_integrator(assistant))
    assert status == 200, body
    return "\n".join(r.get("text", "") for r in json.loads(body))


def host_port(url: str):
    host, port = url.split("//", 1)[1].split(":")
    return host, int(port)


def test_a_body_over_64_kb_is_refused_before_it_is_read(assistant):
    body = json.dumps({"sender": "big", "message": "あ" * 40_000}).encode()  # 120 KB of UTF-8
    status, _ = post(f"{assistant.url}/webhooks/rest/webhook", body, as_integrator(assistant))
    assert status == 413
    status, _ = post(f"{assistant.url}/model/parse?token={assistant.token}", json.dumps({"text": "x" * 70_000}).encode())
    assert status == 413
    assert say(assistant, f"ok-{uuid.uuid4().hex[:6]}", "マイナンバーカードをなくしました")  # the server goes on


def test_a_slow_client_is_cut_off_after_the_request_timeout(assistant):
    with socket.create_connection(host_port(assistant.url), timeout=30) as s:
        s.sendall(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\n")  # and the rest of the headers never
        started = time.monotonic()
        try:
            while s.recv(4096):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
        assert time.monotonic() - started < 20  # Sanic's default 60 s, Rasa's keep-alive 120 s


def test_an_idle_kept_alive_connection_is_closed(assistant):
    with socket.create_connection(host_port(assistant.url), timeout=40) as s:
        s.sendall(b"GET /webhooks/rest/ HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        try:
            while s.recv(4096):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
        assert time.monotonic() - started < 25


@pytest.mark.parametrize("path", ["/", "/status?token={token}", "/version?token={token}", "/nowhere",
                                  "/conversations/x/tracker?token={token}", "/status"])
def test_every_route_of_the_rasa_server_sends_the_security_headers(assistant, path):
    status, headers, _ = get(assistant.url + path.format(token=assistant.token))
    assert headers.get("X-Content-Type-Options") == "nosniff", (status, headers)
    assert headers.get("X-Frame-Options") == "DENY"
    assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", "")
    assert headers.get("Referrer-Policy") == "no-referrer"


def test_the_kiosk_page_keeps_its_own_content_security_policy(assistant):
    status, headers, _ = get(f"{assistant.url}/webhooks/kiosk/page?kiosk=1")
    assert status == 200 and "script-src 'self'" in headers["Content-Security-Policy"]


def test_the_version_is_told_only_with_the_token(assistant):
    import rasa

    status, _, body = get(f"{assistant.url}/")
    assert status == 200 and rasa.__version__ not in body and "Rasa" not in body
    status, _, body = get(f"{assistant.url}/version")
    assert status == 401 and rasa.__version__ not in body
    status, _, body = get(f"{assistant.url}/version?token={assistant.token}")
    assert status == 200 and json.loads(body)["version"] == rasa.__version__
    status, _, body = get(f"{assistant.url}/version", {"Authorization": f"Bearer {assistant.token}"})
    assert status == 200


def listening_addresses(port: int):
    """Local addresses of sockets listening on a TCP port (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hexport = fields[1].rsplit(":", 1)
            if int(hexport, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.append(address)
    return found


def test_the_action_server_listens_on_loopback_only_and_wants_the_shared_secret(assistant):
    stack = assistant.stack
    assert listening_addresses(stack.action_port) == ["0100007F"]  # 127.0.0.1, not 0.0.0.0
    webhook = f"http://127.0.0.1:{stack.action_port}/webhook"
    call = json.dumps({"next_action": "action_respond", "sender_id": "x", "tracker": {}, "domain": {}}).encode()
    assert post(webhook, call)[0] == 401
    assert post(webhook, call, {SECRET_HEADER: "wrong"})[0] == 401
    assert post(webhook, call, {SECRET_HEADER: stack.action_secret})[0] != 401
    assert get(f"http://127.0.0.1:{stack.action_port}/actions")[0] == 401
    # The Rasa server sends the secret with every call: the assistant answers (not the apology for a failed action).
    reply = say(assistant, f"a-{uuid.uuid4().hex[:6]}", "マイナンバーカードをなくしました")
    assert reply and "申し訳ありません" not in reply


@pytest.mark.parametrize("body", [
    {"sender": "s", "message": "カード", "input_channel": {"x": 1}},
    {"sender": "s", "message": "カード", "input_channel": ["rest"]},
    {"sender": "s", "message": "カードを\ud800なくした"},
    {"sender": "s", "message": "\udfff"},
])
def test_odd_values_at_the_rest_door_get_an_answer_not_a_500(assistant, body):
    body = dict(body, sender=f"odd-{uuid.uuid4().hex[:8]}")
    status, text = post(f"{assistant.url}/webhooks/rest/webhook", json.dumps(body).encode(), as_integrator(assistant))
    assert status == 200, text
    assert json.loads(text)[0]["text"]


@pytest.mark.parametrize("path", ["/webhooks/rest/webhook", "/webhooks/rest/inbox"])
def test_a_lone_surrogate_in_the_sender_gets_a_clear_400(assistant, path):
    status, text = post(f"{assistant.url}{path}", json.dumps({"sender": "res\ud800ident", "message": "カード"}).encode(),
                        as_integrator(assistant))
    assert status == 400 and "sender" in json.loads(text)["message"]
