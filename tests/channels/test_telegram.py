"""The Telegram bridge against a fake Bot API server and a fake assistant, both on loopback, with the real PTB client."""
from __future__ import annotations

import json
import logging
import os
import re
import stat
import time
from typing import Any, Dict, List

import pytest
from aiohttp import web

from assistant.channels import render
from assistant.channels.common import APOLOGY
from assistant.channels.telegram import cli as tg
from assistant.channels.telegram.chats import KEY_PREFIX
from assistant.channels.telegram.ids import SenderIds
from assistant.channels.telegram.logmask import install_log_mask, quiet_libraries
from assistant.privacy.keys import load_id_key
from assistant.privacy import redact
from assistant.settings import SettingsError, TelegramSettings
from tests.conftest import free_port
from tests.helpers.telegram import (API_TOKEN, CHAT, LONG_PAYLOAD, TOKEN, USER, USER_ID, RunningBridge, Servers, message,
                                    post_update, telegram_settings, text_update, wait_until)


@pytest.fixture(scope="module")
def servers():
    running = Servers()
    yield running
    running.close()


@pytest.fixture
def fakes(servers):
    servers.api.reset()
    servers.assistant.reset()
    return servers


@pytest.fixture
def log_mask():
    quiet_libraries()
    remove = install_log_mask(TOKEN, API_TOKEN)
    yield
    remove()


@pytest.fixture
def bridge(fakes, tmp_path, log_mask):
    running = RunningBridge(telegram_settings(fakes), tmp_path).start()
    yield running
    running.stop()


# --- updates as Telegram sends them ---------------------------------------------------------
def button_update(data: str) -> Dict[str, Any]:
    return {"callback_query": {"id": f"cb{time.monotonic_ns()}", "from": USER, "chat_instance": "ci-1", "data": data,
                               "message": {"message_id": 1, "date": int(time.time()), "chat": CHAT, "text": "…"}}}


def say(servers: Servers, update: Dict[str, Any], replies: int = 1) -> List[Dict[str, Any]]:
    """Sends an update and waits until the bot has sent `replies` more messages; returns those."""
    before = len(servers.api.sent())
    servers.push(update)
    wait_until(lambda: len(servers.api.sent()) >= before + replies, what=f"{replies} bot message(s)")
    time.sleep(0.05)  # anything more would come now
    return servers.api.sent()[before:]


def keyboard(sent: Dict[str, Any]) -> List[List[Dict[str, str]]]:
    return (sent.get("reply_markup") or {}).get("inline_keyboard") or []


# --- conversations --------------------------------------------------------------------------
def test_a_question_reaches_the_assistant_under_a_keyed_sender_and_the_answer_comes_with_buttons(bridge, fakes):
    sent = say(fakes, text_update("暗証番号を忘れました"))

    body = fakes.assistant.received[-1]
    assert body["message"] == "暗証番号を忘れました" and body["input_channel"] == "telegram"
    assert re.fullmatch(r"tg-[0-9a-f]{32}", body["sender"])
    assert str(USER_ID) not in json.dumps(fakes.assistant.received)
    assert sent[-1]["text"].startswith("答え：暗証番号を忘れました") and int(sent[-1]["chat_id"]) == USER_ID
    titles = [b["text"] for row in keyboard(sent[-1]) for b in row]
    assert titles == ["スマートフォンで申請する方法", "職員に相談"]
    assert any(call == "sendChatAction" for call, _ in fakes.api.calls)


def test_the_same_resident_keeps_one_sender_across_messages(bridge, fakes):
    say(fakes, text_update("受け取りはどこ"))
    say(fakes, text_update("手数料は"))
    assert fakes.assistant.received[0]["sender"] == fakes.assistant.received[1]["sender"]


def test_a_pressed_button_sends_its_payload_to_the_assistant(bridge, fakes):
    say(fakes, button_update("/guide_stuck"))
    assert fakes.assistant.received[-1]["message"] == "/guide_stuck"
    assert fakes.api.sent("answerCallbackQuery"), "the callback query was not answered"


def test_a_payload_longer_than_64_bytes_travels_through_a_stored_key(bridge, fakes):
    sent = say(fakes, text_update("スマホで申請したい"))
    datas = {b["text"]: b["callback_data"] for row in keyboard(sent[-1]) for b in row}
    long_key = datas["スマートフォンで申請する方法"]
    assert len(long_key.encode("utf-8")) <= 64 and long_key != LONG_PAYLOAD
    assert datas["職員に相談"] == "/human_help_request"  # a payload that fits goes as it is

    say(fakes, button_update(long_key))
    assert fakes.assistant.received[-1]["message"] == LONG_PAYLOAD


def test_an_unknown_button_key_asks_to_type_the_question_again(bridge, fakes):
    sent = say(fakes, button_update(KEY_PREFIX + "no-such-key-000000"))
    assert "もう一度質問を入力してください" in sent[-1]["text"]
    assert fakes.assistant.received == []
    assert fakes.api.sent("answerCallbackQuery")


def test_start_greets_and_shows_the_assistants_menu(bridge, fakes):
    sent = say(fakes, text_update("/start"), replies=2)
    assert "まどぐちナビ" in sent[0]["text"] and "マイナンバーカード" in sent[0]["text"]
    assert fakes.assistant.received[-1]["message"] == "/greeting"
    menu = keyboard(sent[1])
    assert [b["callback_data"] for row in menu for b in row][:2] == ["/apply_card", "/receive_card"]
    assert all(len(row) <= 3 for row in menu)


def test_help_explains_how_to_ask_and_offers_staff(bridge, fakes):
    sent = say(fakes, text_update("/help"))
    assert "入力" in sent[-1]["text"] and "ボタン" in sent[-1]["text"]
    buttons = {b["text"]: b["callback_data"] for row in keyboard(sent[-1]) for b in row}
    assert buttons["職員に相談"] == "/human_help_request"
    assert fakes.assistant.received == []


def test_reset_starts_a_conversation_under_a_new_sender(bridge, fakes):
    say(fakes, text_update("こんにちは"))
    before = fakes.assistant.received[-1]["sender"]
    sent = say(fakes, text_update("/reset"), replies=2)
    assert "新しい会話" in sent[0]["text"]
    after = fakes.assistant.received[-1]["sender"]
    assert after != before and after.startswith("tg-")
    say(fakes, text_update("手数料は"))
    assert fakes.assistant.received[-1]["sender"] == after


@pytest.mark.parametrize("content", [
    {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]},
    {"sticker": {"file_id": "s1", "file_unique_id": "u2", "type": "regular", "width": 512, "height": 512,
                 "is_animated": False, "is_video": False}},
    {"location": {"latitude": 35.68, "longitude": 139.76}},
    {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 2}},
    {"contact": {"phone_number": "0312345678", "first_name": "Taro"}},
], ids=["photo", "sticker", "location", "voice", "contact"])
def test_non_text_messages_get_a_polite_text_only_reply_and_the_chat_goes_on(bridge, fakes, content):
    sent = say(fakes, message(**content))
    assert "文字で入力してください" in sent[-1]["text"]
    assert fakes.assistant.received == []
    say(fakes, text_update("暗証番号を忘れました"))
    assert fakes.assistant.received[-1]["message"] == "暗証番号を忘れました"


def test_an_unknown_command_points_to_help(bridge, fakes):
    sent = say(fakes, text_update("/weather"))
    assert "/help" in sent[-1]["text"]
    assert fakes.assistant.received == []


def test_a_reply_longer_than_telegrams_limit_arrives_in_parts(bridge, fakes):
    sentence = "マイナンバーカードの受け取りには予約が必要です。"
    long_text = "\n".join(sentence * 4 for _ in range(60))
    assert len(long_text) > 5000
    fakes.assistant.answer = lambda body: web.json_response(
        [{"text": long_text, "buttons": [{"title": "職員に相談", "payload": "/human_help_request"}]}])
    sent = say(fakes, text_update("受け取り"), replies=2)
    assert all(len(m["text"]) <= 4096 for m in sent)
    assert "".join(m["text"] for m in sent).replace("\n", "") == long_text.replace("\n", "")
    assert all(m["text"].endswith("。") for m in sent)  # cut at line ends, never inside a sentence
    assert keyboard(sent[-1]) and not keyboard(sent[0])


def test_an_assistant_error_gets_the_apology(bridge, fakes):
    fakes.assistant.answer = lambda body: web.Response(status=500, text="Internal Server Error")
    sent = say(fakes, text_update("暗証番号を忘れました"))
    assert sent[-1]["text"].startswith(APOLOGY)


def test_a_rate_limited_resident_sees_the_assistants_own_message(bridge, fakes):
    note = "短い時間に送信が多すぎます。1分ほど待ってから、もう一度送ってください。"
    fakes.assistant.answer = lambda body: web.json_response({"error": "too_many_requests", "message": note}, status=429)
    assert say(fakes, text_update("こんにちは"))[-1]["text"] == note


def test_an_unreachable_assistant_gets_the_apology_without_a_traceback(fakes, tmp_path, log_mask, caplog):
    settings = telegram_settings(fakes, MADOGUCHI_RASA_URL=f"http://127.0.0.1:{free_port()}")
    running = RunningBridge(settings, tmp_path).start()
    try:
        sent = say(fakes, text_update("暗証番号を忘れました"))
        sent += say(fakes, button_update("/guide_stuck"))
    finally:
        running.stop()
    assert all(m["text"].startswith(APOLOGY) and "電話" in m["text"] for m in sent)
    assert not any("Traceback" in m["text"] or "Error" in m["text"] for m in sent)
    assert "assistant is unavailable" in caplog.text


def test_an_unexpected_failure_is_logged_with_its_traceback_and_the_resident_gets_the_apology(bridge, fakes, caplog):
    def broken(*args):
        raise RuntimeError("the database went away")

    bridge.bridge.store.sender_for = broken
    sent = say(fakes, text_update("住所が変わりました"))
    assert sent[-1]["text"].startswith(APOLOGY)
    assert "handling update" in caplog.text and "Traceback" in caplog.text and "the database went away" in caplog.text
    assert "住所が変わりました" not in caplog.text and str(USER_ID) not in caplog.text


def test_group_chats_are_ignored(bridge, fakes):
    group = {"id": -100200300, "type": "group", "title": "町内会"}
    fakes.push({"message": {"message_id": 5, "date": int(time.time()), "chat": group, "from": USER, "text": "こんにちは"}})
    time.sleep(0.5)
    assert fakes.api.sent() == [] and fakes.assistant.received == []


# --- staff replies --------------------------------------------------------------------------
def test_staff_replies_reach_the_residents_chat_and_are_acknowledged(bridge, fakes):
    say(fakes, text_update("職員と話したい"))
    sender = fakes.assistant.received[-1]["sender"]
    before = len(fakes.api.sent())
    fakes.assistant.outbox.extend([
        {"id": 12, "recipient_id": sender, "text": "職員の山田です。ご用件をうかがいます。",
         "buttons": [{"title": "相談を終える", "payload": "/goodbye"}], "custom": {"from": "staff", "message_id": 12}},
        {"id": 13, "recipient_id": "tg-00000000000000000000000000000000", "text": "だれにも届かない"},
    ])
    wait_until(lambda: {12, 13} <= set(fakes.assistant.acked), what="the outbox acknowledgement")
    delivered = fakes.api.sent()[before:]
    assert [m["text"] for m in delivered] == ["職員の山田です。ご用件をうかがいます。"]
    assert int(delivered[0]["chat_id"]) == USER_ID
    assert keyboard(delivered[0])[0][0]["callback_data"] == "/goodbye"
    assert fakes.assistant.unauthorized == 0
    time.sleep(0.3)
    assert len(fakes.api.sent()) == before + 1, "an acknowledged message was sent twice"


# --- webhook mode ---------------------------------------------------------------------------
def test_webhook_mode_rejects_a_wrong_secret_and_processes_the_right_one(fakes, tmp_path, log_mask):
    port = free_port()
    settings = telegram_settings(fakes, MADOGUCHI_TELEGRAM_MODE="webhook",
                                 MADOGUCHI_TELEGRAM_WEBHOOK_URL="https://navi.example.jp/telegram/hook",
                                 MADOGUCHI_TELEGRAM_WEBHOOK_SECRET="s3cret-Value_1", MADOGUCHI_TELEGRAM_WEBHOOK_PORT=str(port))
    running = RunningBridge(settings, tmp_path).start()
    try:
        registered = wait_until(lambda: fakes.api.sent("setWebhook"), what="setWebhook")[-1]
        assert registered["url"] == "https://navi.example.jp/telegram/hook"
        assert registered["secret_token"] == "s3cret-Value_1"
        url = f"http://127.0.0.1:{port}/telegram/hook"
        update = dict(text_update("暗証番号を忘れました"), update_id=501)
        assert post_update(url, update, "wrong-secret") == 403
        assert post_update(url, update, None) == 403
        time.sleep(0.3)
        assert fakes.assistant.received == [] and fakes.api.sent() == []
        assert post_update(url, update, "s3cret-Value_1") == 200
        wait_until(lambda: fakes.api.sent(), what="the reply")
        assert fakes.assistant.received[-1]["message"] == "暗証番号を忘れました"
    finally:
        running.stop()


# --- logs -----------------------------------------------------------------------------------
def test_the_bot_token_user_id_and_message_text_never_reach_the_logs(fakes, tmp_path, log_mask, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="telegram")  # even the library's debug records, which carry request URLs
    running = RunningBridge(telegram_settings(fakes), tmp_path).start()
    try:
        fakes.assistant.answer = lambda body: web.Response(status=500)
        say(fakes, text_update("秘密の相談です"))
    finally:
        running.stop()
    everything = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in everything and TOKEN.split(":")[1] not in everything
    assert "***" in everything, "no record carried the token, so the mask was not exercised"


def test_at_the_bridges_log_levels_user_ids_and_texts_stay_out_of_the_logs(bridge, fakes, caplog):
    caplog.set_level(logging.DEBUG)
    say(fakes, text_update("暗証番号を忘れました"))
    fakes.assistant.answer = lambda body: web.Response(status=502)
    say(fakes, text_update("住所が変わりました"))
    assert str(USER_ID) not in caplog.text
    assert "暗証番号を忘れました" not in caplog.text and "住所が変わりました" not in caplog.text


def test_a_rejected_token_ends_the_bridge_with_a_message_that_does_not_show_it(fakes, tmp_path, caplog):
    wrong = "987654321:AAWrongTokenWrongTokenWrongToken_xyz"
    remove = install_log_mask(wrong)
    try:
        running = RunningBridge(telegram_settings(fakes, MADOGUCHI_TELEGRAM_TOKEN=wrong), tmp_path)
        running.thread.start()
        running.thread.join(20)
    finally:
        remove()
    assert running.exit_code == 2 and running.error is None
    assert "rejected the bot token" in caplog.text
    assert wrong not in caplog.text and wrong.split(":")[1] not in caplog.text


def test_the_error_handler_logs_a_traceback_with_the_token_masked(caplog):
    remove = install_log_mask(TOKEN)
    try:
        try:
            raise RuntimeError(f"request to https://api.telegram.org/bot{TOKEN}/sendMessage failed")
        except RuntimeError:
            logging.getLogger("assistant.channels.telegram.bridge").exception("telegram: handling update %s failed", 7)
    finally:
        remove()
    assert "Traceback" in caplog.text and "RuntimeError" in caplog.text
    assert TOKEN not in caplog.text and "bot***" in caplog.text


# --- settings, ids and rendering (no servers) -----------------------------------------------
def test_settings_need_a_token_and_webhook_mode_needs_url_and_secret():
    with pytest.raises(SettingsError, match="MADOGUCHI_TELEGRAM_TOKEN"):
        TelegramSettings.from_env({})
    base = {"MADOGUCHI_TELEGRAM_TOKEN": TOKEN}
    settings = TelegramSettings.from_env(base)
    assert (settings.mode, settings.webhook_port, settings.rasa_url) == ("polling", 8443, "http://127.0.0.1:5005")
    assert TOKEN not in repr(settings)
    with pytest.raises(SettingsError, match="WEBHOOK_URL"):
        TelegramSettings.from_env({**base, "MADOGUCHI_TELEGRAM_MODE": "webhook", "MADOGUCHI_TELEGRAM_WEBHOOK_SECRET": "abc"})
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        TelegramSettings.from_env({**base, "MADOGUCHI_TELEGRAM_MODE": "webhook",
                                   "MADOGUCHI_TELEGRAM_WEBHOOK_URL": "https://navi.example.jp/hook"})
    with pytest.raises(SettingsError, match="polling or webhook"):
        TelegramSettings.from_env({**base, "MADOGUCHI_TELEGRAM_MODE": "push"})
    with pytest.raises(SettingsError, match="bot token"):
        TelegramSettings.from_env({"MADOGUCHI_TELEGRAM_TOKEN": "not a token"})
    custom = TelegramSettings.from_env({**base, "MADOGUCHI_TELEGRAM_API_URL": "http://127.0.0.1:8081/bot/"})
    assert custom.api_url == "http://127.0.0.1:8081"


def test_the_cli_refuses_to_start_without_a_token(monkeypatch, capsys):
    import argparse

    monkeypatch.delenv("MADOGUCHI_TELEGRAM_TOKEN", raising=False)
    parser = argparse.ArgumentParser()
    tg.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["telegram"])
    assert args.func(args) == 2
    assert "MADOGUCHI_TELEGRAM_TOKEN" in capsys.readouterr().err


def test_sender_ids_are_keyed_hashes_that_change_with_reset_and_survive_redaction():
    ids = SenderIds("key-one")
    first = ids.sender(USER_ID, 0)
    assert re.fullmatch(r"tg-[0-9a-f]{32}", first) and str(USER_ID) not in first
    assert ids.sender(USER_ID, 0) == first and ids.sender(USER_ID, 1) != first
    assert SenderIds("key-two").sender(USER_ID, 0) != first
    assert all(redact(ids.sender(uid, 0)).text == ids.sender(uid, 0) for uid in range(100000, 103000))


def test_the_id_key_is_generated_once_and_readable_only_by_its_owner(tmp_path):
    key = load_id_key(tmp_path / "data")
    assert len(key) == 64 and load_id_key(tmp_path / "data") == key
    assert stat.S_IMODE(os.stat(tmp_path / "data" / "id_key").st_mode) == 0o600
    assert load_id_key(tmp_path / "data", "configured") == "configured"


def test_rendering_keeps_buttons_under_the_last_part_and_skips_malformed_entries():
    messages = [
        "not a dict",
        {"text": "ご注意：暗証番号は入力しないでください。"},
        {"text": "", "buttons": [{"title": "申請", "payload": "/apply_card"}, {"title": "x"}, "bad"]},
        {"custom": {"kiosk": "only"}},
    ]
    out = render.for_telegram(messages)
    assert [m.text for m in out] == ["ご注意：暗証番号は入力しないでください。", render.BUTTONS_ONLY_TEXT]
    assert out[0].keyboard == () and out[1].keyboard == ((render.Button("申請", "/apply_card"),),)


def test_buttons_sit_three_short_or_two_long_a_row():
    short = [render.Button(t, f"/{i}") for i, t in enumerate(["申請", "受取", "暗証番号", "更新"])]
    assert [len(r) for r in render.button_rows(short)] == [3, 1]
    medium = [render.Button(t, f"/{i}") for i, t in enumerate(["できました", "うまくいかない", "もう一度見る"])]
    assert [len(r) for r in render.button_rows(medium)] == [2, 1]
    long = [render.Button("スマートフォンで申請する方法", "/a"), render.Button("職員に相談", "/b")]
    assert [len(r) for r in render.button_rows(long)] == [1, 1]


def test_splitting_prefers_line_then_sentence_boundaries_and_counts_utf16():
    lines = "\n".join(["一行目の文です。"] * 10)
    parts = render.split_text(lines, limit=40)
    assert all(len(p) <= 40 for p in parts) and all(p.endswith("。") for p in parts)
    one_line = "これは文です。" * 10
    parts = render.split_text(one_line, limit=30)
    assert all(len(p) <= 30 and p.endswith("。") for p in parts) and "".join(parts) == one_line
    emoji = "😀" * 30
    parts = render.split_text(emoji, limit=20)
    assert all(render.utf16_len(p) <= 20 for p in parts) and "".join(parts) == emoji


# --- with the real assistant ----------------------------------------------------------------
@pytest.mark.model
def test_a_resident_on_telegram_gets_a_real_answer_with_its_source_and_buttons(assistant, fakes, tmp_path, log_mask):
    settings = telegram_settings(fakes, MADOGUCHI_RASA_URL=assistant.url)
    running = RunningBridge(settings, tmp_path, api_token=assistant.token).start()
    try:
        sent = say(fakes, text_update("暗証番号を忘れました"))
        wait_until(lambda: any(keyboard(m) for m in fakes.api.sent()), timeout=60, what="an answer with buttons")
        time.sleep(0.5)
        sent = fakes.api.sent()
    finally:
        running.stop()
    assert "出典" in "\n".join(m["text"] for m in sent)
    assert any(keyboard(m) for m in sent)
    assert not any(m["text"].startswith(APOLOGY) for m in sent)
