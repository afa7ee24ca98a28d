"""A short follow-up (「手数料は？」「何時まで？」) read together with the resident's previous question."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from assistant.nlu.concepts import load_lexicon
from assistant.nlu.ranking import geometric_mix

# Longer messages say what they are about themselves (English takes about twice the letters).
MAX_FOLLOW_UP_CHARS = 20
# 「ところで」「別件ですが」: the resident changes the subject.
_NEW_SUBJECT = re.compile(
    r"^\s*(ところで|話(は|が)?変わ|別件|別の話|それとは別|全然関係|関係ない(けど|ですが)|ちなみに|そういえば"
    r"|also\b|by the way|btw|another question)", re.I)
# What the message alone says of these is never read again with the previous question: thanks, a greeting (but
# 「何が必要？」), not the card at all (reads_alone adds a person, a guide's step, a callback). A message too unsure
# alone is read with the previous question unless it names a thing (reads_alone).
_VAGUE = "unclear_need_clarification"
_UNSURE = {_VAGUE, "nlu_fallback"}
_KEEP_ALONE = {"greeting", "goodbye", "out_of_scope"} | _UNSURE
# 「人と話したい」 stays alone; the desk's hours or phone number may be the previous topic's (「何時まで？」 after コンビニ交付).
_PERSON = "human_help_request/talk_staff"
_WHAT_CAN_YOU_DO = "greeting/what_can_you_do"
# 「何が必要？」「何がいいの？」: read alone as "what can you do", but after an answer they ask about its subject.
_WHAT_IS_NEEDED = re.compile(r"(何|なに|なん)が(必要|ひつよう|いる|要る|いい|ええ|違う|ちがう|メリット)|what do i need", re.I)
# 「どこで？」「いつまで？」「何時から？」: a question word alone asks about the previous question's subject, whatever
# the message alone reads as (「どこで？」 alone reads as a question about something else than the card); not
# 「だれか？」 (a person) or 「なんか…」.
_BARE_QUESTION = re.compile(
    r"^\W*(?:それ(?:は|って)?)?(?:どこ|いつ|いくら|何時|なんじ|何日|なんにち|何回|なんかい|どれくらい|どのくらい|どうやって|どうすれば"
    r"|どうしたら|なに|なん(?!か)|何)(?:で|に|へ|まで|から|が|を|は|なら|ぐらい|くらい)?(?:です|でしょう|なの)?(?:か|の)?\W*$",
    re.I)
# 「ほんで何日以内やったっけ」: read as a goodbye (ほな…), but it asks.
_ASKS_SOMETHING = re.compile(r"(?:何|なん)(?:日|時|回|曜|円|歳|ぼ)|いつ(?!も)|どこ(?!か)|いくら|どうやって|どうすれば|どうしたら|っけ|[?？]")
# 「どうすれば もらえますか」「できますか」: alone a matter of another office, but they ask how to do what was just
# answered (not 「ごみの出し方はどうすれば…」, which names its subject).
_BARE_HOW = re.compile(
    r"^\W*(?:それ(?:は|って)?)?\s*(?:どう(?:すれば|したら|やって|やれば)|どこ(?:で|に|へ)|いつ)?\s*"
    r"(?:もらえ|でき|使え|つかえ|取れ|とれ|行け|いけ)(?:ますか|ませんか|るん(?:ですか)?|るの|る[?？]|ん[?？]|るかね|るやろ)\W*$", re.I)
# The parse data of a follow-up keeps the question it was read with (the first line is the chain's subject).
CONTEXT_KEY = "read_with"
# After these the previous question was not answered with an entry: nothing to read the follow-up with.
_NO_CONTEXT_TOPICS = _KEEP_ALONE | {"human_help_request"}


# The words of the things and events a message can be about (カード, はがき, なくした…: concepts.yml).
def _words_of(*groups: str) -> "re.Pattern[str]":
    return re.compile("|".join(f"(?:{p})" for p in load_lexicon(groups=groups).values()), re.I)


_SUBJECT = _words_of("things", "events")
# The things alone (「エラーで進まん」 names what happened, not to what).
_THING = _words_of("things")


def names_a_thing(text: str) -> bool:
    """「マイナポータルに入れない」 names a thing; 「エラーで進まん」 only what happened."""
    return bool(_THING.search(text))


def names_a_subject(text: str) -> bool:
    """「マイナンバーカードをなくしました」 says what it is about; 「手数料は？」「どこに いけば ええの」 do not."""
    return bool(_SUBJECT.search(text))


def may_follow_up(text: str, parse: Optional[Dict[str, Any]] = None) -> bool:
    """A typed message short enough to lean on the previous question, not changing the subject; twice as long when
    the NLU could not read it alone (「別に住んでいる息子が代わりに行ってもいいですか」 after a question on 住所変更)."""
    limit = 2 * MAX_FOLLOW_UP_CHARS if text.isascii() else MAX_FOLLOW_UP_CHARS
    if (((parse or {}).get("intent") or {}).get("name")) in _UNSURE:
        limit *= 2
    return not text.startswith("/") and len(text.strip()) <= limit and not _NEW_SUBJECT.search(text)


def previous_question(tracker: Any, knowledge: Any = None) -> Optional[str]:
    """The resident's previous message, when the reply to it answered an entry and no guide is running (for a
    pressed button, the answered entry's own first question)."""
    if tracker is None or tracker.get_slot("guide_id") or not tracker.get_slot("last_entry"):
        return None
    if tracker.get_slot("last_topic") in _NO_CONTEXT_TOPICS:
        return None
    latest = tracker.latest_message
    # The slots outlive a reply that answered nothing (a question back): the previous message must be the one the
    # slots' entry answered.
    if ((getattr(latest, "intent", None) or {}).get("name")) != tracker.get_slot("last_topic"):
        return None
    text = (latest.text if latest else None) or ""
    if text.startswith("/") and knowledge is not None:
        entry = knowledge.entry_by_key(f"{tracker.get_slot('last_topic')}/{tracker.get_slot('last_entry')}")
        return entry.questions[0] if entry is not None and entry.questions else None
    if not text or text.startswith("/"):
        return None
    # 「コンビニで住民票とりたい」「手数料いくら？」「何時まで？」: a chain of follow-ups is read with its first question
    # (the fee asked in between is not what 「何時まで？」 asks about).
    used = ((getattr(latest, "parse_data", None) or {}).get(CONTEXT_KEY) or "")
    return used.splitlines()[0] if used.strip() else text


# A message the entry model reads this surely by itself says what it is about (「マイナンバーカードをなくしました」
# after a question on 暗証番号) when it names a subject: measured on tests/data/follow_ups/ and on short messages of
# tests/data/blind_dev/ after an unrelated question, it kept every self-contained one and lost 2 of 90 follow-ups.
SURE_ALONE = 0.99


def reads_alone(parse: Dict[str, Any], text: str) -> bool:
    """True when the message alone is conversation or control (thanks, a person, a guide step; not 「何が必要？」),
    or says what it is about and is either too unclear to answer or a question the NLU is near certain of by itself."""
    name = ((parse or {}).get("intent") or {}).get("name")
    selector = ((parse or {}).get("response_selector") or {}).get("default") or {}
    key = (selector.get("response") or {}).get("intent_response_key")
    if key == _WHAT_CAN_YOU_DO and _WHAT_IS_NEEDED.search(text) and not names_a_subject(text):
        return False  # 「何が必要？」「何がいいの？」 after an answer ask about its subject, not what the assistant can do
    if _BARE_QUESTION.search(text) or _BARE_HOW.search(text):
        return False  # 「どこで？」: about the previous question's subject
    if name == _VAGUE:
        # 「カード」: asked back whatever it is read with (the actions' is_vague), unless it names nothing.
        return names_a_subject(text)
    if name in _UNSURE:
        # 「どこに いけば ええの」「エラーで進まん」 after an answer: read with its question; 「マイナンバーカードのケースは
        # もらえますか」 names a thing of its own: a question the city has no answer for yet, asked back.
        return names_a_thing(text)
    if name in ("goodbye", "greeting") and _ASKS_SOMETHING.search(text) and key != _WHAT_CAN_YOU_DO:
        return False  # a question is no goodbye
    if name is None or name in _KEEP_ALONE or name.startswith(("guide_", "handoff_", "age_band")):
        return True
    if key == _PERSON:
        return True
    # 「手数料は？」 alone reads as the first card's fee, near certainly; it names nothing, so it is read with its question.
    return float(selector.get("own_confidence") or 0.0) >= SURE_ALONE and names_a_subject(text)


def in_context(alone: Dict[str, Any], together: Dict[str, Any], text: str, previous: str,
               answered: Optional[str] = None) -> Dict[str, Any]:
    """The reading of previous question + follow-up, as the follow-up's own: its text and entities, and only
    the parts asked in the follow-up itself (the previous question is not offered again)."""
    if ((together.get("intent") or {}).get("name")) in _UNSURE and ((alone.get("intent") or {}).get("name")) not in _UNSURE:
        # Read together the NLU is torn, alone it was not (「お金はかかる？」 after a long story): the message alone.
        return {**alone, CONTEXT_KEY: previous}
    merged = dict(together)
    merged["text"] = text
    merged["entities"] = alone.get("entities") or []
    selector = dict((merged.get("response_selector") or {}).get("default") or {})
    if selector:
        selector["parts"] = [p for p in selector.get("parts") or [] if (p.get("text") or "") and p["text"] in text]
        own = ((alone.get("response_selector") or {}).get("default") or {}).get("ranking") or []
        selector.update(_weighed_with_own(selector, own, (merged.get("intent") or {}).get("name")))
        aspect = _asked_aspect(selector, own, answered) or _instead_of_repeat(selector, own, answered)
        if aspect is not None:
            key, confidence = aspect
            selector["response"] = {**(selector.get("response") or {}), "intent_response_key": key, "confidence": confidence}
            selector["ranking"] = [{"intent_response_key": key, "confidence": confidence}] + [
                r for r in selector.get("ranking") or [] if r.get("intent_response_key") != key]
            merged["intent"] = {"name": key.split("/", 1)[0], "confidence": confidence}
        merged["response_selector"] = {**merged["response_selector"], "default": selector}
    merged[CONTEXT_KEY] = previous
    return merged


def _best_and_own(together: Dict[str, Any], own: List[Dict[str, Any]]):
    """The entry read together, and (entry, confidence) of the follow-up read alone ("" and 0 without one)."""
    best = ((together.get("response") or {}).get("intent_response_key")) or ""
    first = own[0] if own else {}
    return best, (first.get("intent_response_key") or "", float(first.get("confidence") or 0.0))


# What a short follow-up may ask of any subject: its fee (fees/…, …/fees) or the desk (hours, phone, FAX).
_ASPECTS = {
    "fee": lambda key: key.startswith("fees/") or key.endswith("/fees"),
    "desk": lambda key: key in ("human_help_request/desk_hours", "human_help_request/phone", "human_help_request/fax"),
}
# The hours of a subject's own places, asked as the desk's (「なんじまで やっとるん」 after コンビニ交付: the stores').
_OWN_HOURS = "/hours_stores"
# The follow-up alone must read that sure of an aspect's entry.
SURE_OF_ASPECT = 0.5


def _asked_aspect(together: Dict[str, Any], own: List[Dict[str, Any]], answered: Optional[str]):
    """(entry, confidence) when the reading together stays in the topic just answered (the same entry, or another
    that is no fee or desk: 「土日あいてる？」 after a renewal read as the expiry notice), but the follow-up alone asks a
    fee or the desk: the likeliest entry of that aspect read together (「手数料はいくら？」 after 戸籍 at the
    convenience store: that fee), else the follow-up's own. None otherwise."""
    best, (key, confidence) = _best_and_own(together, own)
    if not answered or best.split("/", 1)[0] != answered.split("/", 1)[0] or not key:
        return None
    aspect = next((test for test in _ASPECTS.values() if test(key)), None)
    if aspect is None or confidence < SURE_OF_ASPECT or aspect(best):
        return None
    if key == "human_help_request/desk_hours" and f"{best.split('/', 1)[0]}{_OWN_HOURS}" in {
            r.get("intent_response_key") for r in together.get("ranking") or []}:
        return f"{best.split('/', 1)[0]}{_OWN_HOURS}", confidence
    ranked = [r.get("intent_response_key") for r in together.get("ranking") or [] if aspect(r.get("intent_response_key") or "")]
    return (ranked[0] if ranked else key), confidence


# The follow-up alone must read another entry that sure for the previous answer not to be given again.
SURE_INSTEAD = 0.5


def _instead_of_repeat(together: Dict[str, Any], own: List[Dict[str, Any]], answered: Optional[str]):
    """(entry, confidence) when the reading together would give the answer just given again, but the follow-up alone
    reads another entry of the answered subject surely (「やっぱりやめたい時は？」 after checking the registration of
    マイナ保険証: how to cancel it), or one whose kind the subject has too (「持っていくものは？」 after returning the
    card reads alone as what to bring to receive one: what to bring to return it). None otherwise."""
    best, (key, confidence) = _best_and_own(together, own)
    if not answered or best != answered or not key:
        return None
    if key == answered or confidence < SURE_INSTEAD or key.split("/", 1)[0] in _NO_CONTEXT_TOPICS:
        return None
    # Only within the subject just answered: another subject read from a few words (「うちの母は80歳なんですけど」:
    # 後期高齢者) is less likely than the answer the resident is reading.
    topic = answered.split("/", 1)[0]
    if key.split("/", 1)[0] == topic:
        return key, confidence
    same_kind = f"{topic}/{key.split('/', 1)[-1]}"
    if any(r.get("intent_response_key") == same_kind for r in together.get("ranking") or []):
        return same_kind, confidence
    return None


# How much the follow-up read alone counts, against the reading together, in choosing among the topic's entries.
OWN_WEIGHT = 0.4


def _weighed_with_own(together: Dict[str, Any], own: List[Dict[str, Any]], topic: Optional[str]) -> Dict[str, Any]:
    """The response and ranking of the reading together, its topic's entries re-weighed by what the follow-up says
    alone (a weighted geometric mean): after 「コンビニで住民票とりたい」, 「何時まで？」 read together leans to the
    overview the resident has just read; alone it asks for hours. Unchanged when the follow-up alone ranks none of
    the topic's entries."""
    ranking = together.get("ranking") or []
    mine = [r for r in ranking if (r.get("intent_response_key") or "").split("/", 1)[0] == topic]
    alone = {r.get("intent_response_key"): float(r.get("confidence") or 0.0) for r in own}
    if not topic or len(mine) < 2 or not any(r["intent_response_key"] in alone for r in mine):
        return {}
    # An entry the follow-up's own ranking does not list is at most as likely as its least likely one.
    least = min(alone.values())
    mass = sum(float(r.get("confidence") or 0.0) for r in mine)
    mixed = mass * geometric_mix([float(r.get("confidence") or 0.0) for r in mine],
                                 [alone.get(r["intent_response_key"], least) for r in mine], OWN_WEIGHT)
    reweighed = {r["intent_response_key"]: float(p) for r, p in zip(mine, mixed)}
    ranking = sorted(({**r, "confidence": reweighed.get(r.get("intent_response_key"), r.get("confidence"))} for r in ranking),
                     key=lambda r: -float(r.get("confidence") or 0.0))
    best = next(r for r in ranking if r.get("intent_response_key") in reweighed)
    return {"ranking": ranking, "response": {**(together.get("response") or {}), "intent_response_key": best["intent_response_key"],
                                             "confidence": best["confidence"]}}
