"""What a resident's button press looked like to them: a payload such as /human_help_request as its button's title."""
from __future__ import annotations

import json
import re
from typing import Any, Mapping, Optional

BUTTON_MARK = "［ボタン］"
_PAYLOAD_RE = re.compile(r"^/([A-Za-z0-9_]+)(\{.*\})?$", re.S)
# Titles of the buttons the assistant and its front ends show, by intent (the same words as actions/ and
# the kiosk page); a payload whose button is not known from the conversation is named by these.
INTENT_TITLES = {
    "human_help_request": "職員と話したい",
    "greeting": "最初のメニュー",
    "goodbye": "おわる",
    "guide_done": "できた",
    "guide_stuck": "わからない",
    "guide_repeat": "もう一度",
    "guide_back": "前に戻る",
    "guide_stop": "やめる",
    "guide_resume": "続きから",
    "guide_start": "手順を見る",
    "guide_answer": "選択肢を選んだ",
    "handoff_feedback": "満足度を答えた",
    "age_band": "年代を答えた",
    "unclear_need_clarification": "その他",
}
CHANNEL_TITLES = {("kiosk", "human_help_request"): "職員を呼ぶ"}
CALLBACK_TITLES = {"yes": "折り返し電話を希望する", "no": "希望しない・やめる", "consent": "同意する"}
AGE_TITLES = {"under20": "10代以下", "20s": "20代", "30s": "30代", "40s": "40代", "50s": "50代", "60s": "60代",
              "70s": "70代", "80plus": "80代以上", "declined": "答えない"}


def _entities(raw: Optional[str]) -> Mapping[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def payload_title(payload: str, channel: Optional[str] = None, titles: Optional[Mapping[str, str]] = None,
                  topics: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The title of the button that sends `payload`; None when the text is not a payload.

    `titles` are the buttons the conversation showed (payload -> title), `topics` the topic titles."""
    payload = payload.strip()
    match = _PAYLOAD_RE.match(payload)
    if not match:
        return None
    if titles and titles.get(payload):
        return str(titles[payload])
    intent, entities = match.group(1), _entities(match.group(2))
    if (channel, intent) in CHANNEL_TITLES:
        return CHANNEL_TITLES[(channel, intent)]
    if intent == "handoff_callback":
        return CALLBACK_TITLES.get(str(entities.get("answer")), "折り返し電話の質問に答えた")
    if intent == "handoff_feedback" and str(entities.get("score", "")).isdigit():
        return f"満足度 {entities['score']}"
    if intent == "age_band" and entities.get("band") in AGE_TITLES:
        return AGE_TITLES[entities["band"]]
    if intent in INTENT_TITLES:
        return INTENT_TITLES[intent]
    if topics and intent in topics:
        return topics[intent]
    return "ボタン"


def shown_text(text: str, channel: Optional[str] = None, topics: Optional[Mapping[str, str]] = None) -> str:
    """A resident's line as staff read it: 「［ボタン］/human_help_request」 becomes 「［ボタン］職員と話したい」."""
    body = text[len(BUTTON_MARK):] if text.startswith(BUTTON_MARK) else text
    title = payload_title(body, channel, topics=topics)
    return f"{BUTTON_MARK}{title}" if title else text


def is_button(text: str) -> bool:
    return text.startswith(BUTTON_MARK) or bool(_PAYLOAD_RE.match(text.strip()))
