"""Renders the assistant's replies into each channel's form: one place for text chunks and button layout."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from assistant.knowledge import OTHER_MUNICIPALITY_NOTE

TELEGRAM_TEXT_LIMIT = 4096  # Telegram counts UTF-16 code units
BUTTONS_ONLY_TEXT = "下のボタンから選んでください。"
# Where a sentence ends: Japanese and Latin full stops, question and exclamation marks, closing brackets after them.
_SENTENCE_END_RE = re.compile(r"[。！？!?．.][」』）)]*")


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """One message of the assistant, checked and in a channel-neutral form."""

    text: str
    buttons: Tuple[Button, ...] = ()
    custom: Dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TelegramMessage:
    """One Telegram message: plain text and the rows of its inline keyboard (payloads still to map)."""

    text: str
    keyboard: Tuple[Tuple[Button, ...], ...] = ()


def replies(messages: Any) -> List[Reply]:
    """The assistant's JSON message list as Replies; malformed entries and buttons are skipped, never raised."""
    result: List[Reply] = []
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            continue
        text = message.get("text") if isinstance(message.get("text"), str) else ""
        buttons = tuple(_buttons(message.get("buttons")))
        custom = message.get("custom") if isinstance(message.get("custom"), dict) else {}
        if text.strip() or buttons:
            result.append(Reply(text.strip(), buttons, custom))
    return result


def _buttons(raw: Any) -> Iterable[Button]:
    for button in raw if isinstance(raw, list) else []:
        if not isinstance(button, dict):
            continue
        payload, title = button.get("payload"), button.get("title")
        if isinstance(payload, str) and payload.strip():
            yield Button(title.strip() if isinstance(title, str) and title.strip() else payload, payload)


def display_width(text: str) -> int:
    """Columns the text takes: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def per_row(buttons: Iterable[Button]) -> int:
    """Three short buttons a row, two of medium length, long ones alone, so that titles stay readable."""
    widest = max((display_width(b.title) for b in buttons), default=0)
    if widest <= 10:
        return 3
    return 2 if widest <= 18 else 1


def button_rows(buttons: Iterable[Button], columns: Optional[int] = None) -> Tuple[Tuple[Button, ...], ...]:
    buttons = tuple(buttons)
    columns = columns or per_row(buttons)
    return tuple(buttons[i:i + columns] for i in range(0, len(buttons), columns))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """The number of characters of text whose UTF-16 length is at most limit."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def _cut_at(window: str) -> int:
    """Where to end a chunk inside window: a blank line, a line end, a sentence end, a space, or the window end."""
    floor = len(window) // 3  # a break too near the start would make tiny chunks
    for marker in ("\n\n", "\n"):
        at = window.rfind(marker)
        if at > floor:
            return at + len(marker)
    ends = [m.end() for m in _SENTENCE_END_RE.finditer(window) if m.end() > floor]
    if ends:
        return ends[-1]
    at = max(window.rfind(" "), window.rfind("　"))
    return at + 1 if at > floor else len(window)


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> List[str]:
    """Splits text into chunks of at most limit UTF-16 units, at line or sentence boundaries when it can."""
    text = text.strip()
    chunks: List[str] = []
    while utf16_len(text) > limit:
        window = text[:_fitting_prefix(text, limit)]
        cut = _cut_at(window)
        chunk = text[:cut].rstrip()
        if chunk:
            chunks.append(chunk)
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks


def for_telegram(messages: Any, limit: int = TELEGRAM_TEXT_LIMIT) -> List[TelegramMessage]:
    """The assistant's messages as Telegram messages; a message's buttons go under its last chunk."""
    result: List[TelegramMessage] = []
    for reply in replies(messages):
        chunks = split_text(reply.text, limit) or [BUTTONS_ONLY_TEXT]
        result.extend(TelegramMessage(chunk) for chunk in chunks[:-1])
        result.append(TelegramMessage(chunks[-1], button_rows(reply.buttons)))
    return result


_SOURCE_RE = re.compile(r"出典：[^\n]*?(https?://[^\s（）()]+)")


def _easy_marks(messages: Any) -> List[bool]:
    """For each reply, whether it is a やさしい日本語 text: Rasa sends an action's custom data
    ({"easy": true}) as a message of its own right after the text it belongs to."""
    marks: List[bool] = []
    for message in messages if isinstance(messages, list) else []:
        if replies([message]):
            marks.append(False)
        elif marks and isinstance(message, dict) and isinstance(message.get("custom"), dict) \
                and message["custom"].get("easy") is True:
            marks[-1] = True
    return marks


# Under an answer, the kiosk asks this above its 「役に立った」「役に立たなかった」 buttons (a group of their own).
RATING_QUESTION = "この答えは、役に立ちましたか？"


def is_rating(button: Button) -> bool:
    """Whether a button is an answer's 「役に立った」 or 「役に立たなかった」 (its payload names the answer's entry)."""
    import json

    from assistant.analytics.feedback import FEEDBACK_INTENT, is_answer_feedback

    prefix = "/" + FEEDBACK_INTENT
    if not button.payload.startswith(prefix + "{"):
        return False
    try:
        entities = json.loads(button.payload[len(prefix):])
    except ValueError:
        return False
    return isinstance(entities, dict) and is_answer_feedback(entities.get("answer"))


def _kiosk_button(button: Button, furigana: Any) -> Dict[str, str]:
    return {"title": button.title, "payload": button.payload, "ruby": furigana.html(button.title)}


def to_kiosk(messages: Any, furigana: Any, source_title: Any = None) -> List[Dict[str, Any]]:
    """The assistant's messages for the kiosk page: text as escaped HTML and with furigana (ruby),
    button titles likewise, and the source page an answer cites (for its take-home QR code).
    With source_title (url -> words), the answer names its source in words instead of the raw address.
    An answer's two rating buttons come apart in "rating", under the question that goes with them."""
    import html as html_escape

    result: List[Dict[str, Any]] = []
    for message in messages if isinstance(messages, list) else []:
        # A message with data only (such as {"handoff": ...}): the page acts on it, nothing to show.
        if isinstance(message, dict) and isinstance(message.get("custom"), dict) and not message.get("text") \
                and not message.get("buttons"):
            result.append({"text": "", "html": "", "ruby": "", "buttons": [], "rating": None, "source": None,
                           "custom": message["custom"]})
    for reply, easy in zip(replies(messages), _easy_marks(messages)):
        source = _SOURCE_RE.search(reply.text)
        text, title = reply.text, None
        if source and source_title is not None:
            title = source_title(source.group(1))
            before = text[:source.start(1)].rstrip()  # 「出典：」, or 「出典：〇〇市の案内」 that already names it
            unnamed = before.endswith("出典：")
            after = text[source.end(1):]
            if unnamed and title.startswith("参考："):
                before = before[:-len("出典：")]  # 「参考：ほかの市区町村の案内」 is not this city's own source
                after = after.replace(OTHER_MUNICIPALITY_NOTE, "")  # the title says it already
            text = before + (title if unnamed else "") + after
        rating = [b for b in reply.buttons if is_rating(b)]
        result.append({
            "text": text,
            "html": html_escape.escape(text).replace("\n", "<br>"),
            "ruby": furigana.html(text),
            "buttons": [_kiosk_button(b, furigana) for b in reply.buttons if not is_rating(b)],
            "rating": {"question": RATING_QUESTION, "ruby": furigana.html(RATING_QUESTION),
                       "buttons": [_kiosk_button(b, furigana) for b in rating]} if rating else None,
            "source": source.group(1) if source else None,
            "source_title": title,
            "custom": {**reply.custom, "easy": True} if easy else reply.custom,
        })
    return result
