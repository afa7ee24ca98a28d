"""What the NLU read in a message, made safe: the entry to answer, the other parts asked, and re-routes."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from assistant.knowledge import Entry, Knowledge

OUT_OF_SCOPE = "out_of_scope"
# The parse data of a follow-up holds the question it was read with under this key (the REST door's
# assistant/channels/follow_up.py: CONTEXT_KEY).
READ_WITH = "read_with"
HUMAN = "human_help_request"
# A re-route needs at least this much belief in the topic it moves to.
MIN_REROUTE = 0.05
# Below this, a topic is ruled out even as the only other one.
RULED_OUT = 0.01
# Two topics about as likely (the fallback's ambiguity) while the entry model is this sure of an entry of one of
# them: that entry is answered (「子どものカードを作りたい。写真は赤ちゃんでもいる？」: 申請 and 写真 tie, the
# baby's photo is near certain; 「マイナの更新って金かかる？」: 更新 and 手数料 tie, the renewal's fee at 0.87).
SURE_ENTRY_OF_TWO = 0.8
CONVERSATION = {OUT_OF_SCOPE, "greeting", "goodbye", "unclear_need_clarification", "nlu_fallback"}


@dataclass(frozen=True)
class Reading:
    """The NLU's entry ranking for one message (from the response_selector key of its parse data)."""

    ranking: Tuple[Tuple[str, float], ...]
    parts: Tuple[Tuple[str, float, str], ...]
    told: Tuple[str, ...] = ()  # the parts read in a sentence that tells rather than asks

    @property
    def asked(self) -> Tuple[str, ...]:
        """The entries of the parts that ask a question."""
        return tuple(key for key, _, _ in self.parts if key not in self.told)

    @classmethod
    def of(cls, message: Dict[str, Any]) -> "Reading":
        selector = ((message or {}).get("response_selector") or {}).get("default") or {}
        ranking = tuple((r.get("intent_response_key") or "", float(r.get("confidence") or 0.0))
                        for r in selector.get("ranking") or [] if isinstance(r, dict))
        parts = tuple((p.get("intent_response_key") or "", float(p.get("confidence") or 0.0), p.get("text") or "")
                      for p in selector.get("parts") or [] if isinstance(p, dict))
        told = tuple(p.get("intent_response_key") or "" for p in selector.get("parts") or []
                     if isinstance(p, dict) and p.get("asks") is False)
        return cls(ranking, parts, told)

    def entry_for(self, knowledge: Knowledge, topic_id: str, text: str, context: str = "") -> Optional[Entry]:
        """The best-ranked entry of the topic whose signals (if any) the resident's words show. For a follow-up, the
        question it was read with (`context`) counts too, except for an entry that hands over to a person."""
        passed_over = False
        for key, confidence in self.ranking:
            entry = knowledge.entry_by_key(key)
            if entry is None or not key.startswith(topic_id + "/"):
                continue
            if passed_over and confidence < RULED_OUT:
                # 「住所を夫に知られたくないです」 after a DV story: not the foreign-language line the model all but ruled
                # out; the topic's own choice (or a question back) instead.
                return None
            if entry.signalled_by(text) or (context and not entry.handoff and entry.signalled_by(f"{context}\n{text}")):
                return entry
            passed_over = True
        return None

    def best_topic_except(self, excluded: set) -> Optional[Tuple[str, float]]:
        scores: Dict[str, float] = {}
        for key, p in self.ranking:
            topic = key.split("/", 1)[0]
            if topic not in excluded:
                scores[topic] = scores.get(topic, 0.0) + p
        if not scores:
            return None
        topic = max(scores, key=scores.get)
        return topic, scores[topic]


def reroute(knowledge: Knowledge, intent: Optional[str], message: Dict[str, Any]) -> Optional[str]:
    """The intent to act on instead of the NLU's, when its words say otherwise; None keeps it."""
    text = (message or {}).get("text") or ""
    if text.startswith("/") or knowledge.conversation is None:
        return None
    words = knowledge.conversation
    if words.is_vague(text):
        # As an unreadable short message: the question back with the topic menu.
        return "nlu_fallback"
    if intent != HUMAN and words.asks_for_person(text):
        return HUMAN
    if intent in ("nlu_fallback", OUT_OF_SCOPE) and words.looks_like_phishing(text):
        # A suspected scam mail or call the NLU could not place (ポイント and 詐欺 tie): its warning, never a question back.
        return words.scam_warning_for(text).split("/", 1)[0]
    if intent == "nlu_fallback":
        return _sure_entry_of_a_tie(knowledge, message, text)
    unsignalled = _topic_not_signalled(knowledge, intent, message, text)
    if unsignalled is not None:
        return unsignalled
    if intent == OUT_OF_SCOPE and words.about_the_domain(text):
        best = Reading.of(message).best_topic_except({OUT_OF_SCOPE, "greeting", "goodbye"})
        if best and best[1] >= MIN_REROUTE:
            return best[0]
        return "nlu_fallback"
    return None


def _topic_not_signalled(knowledge: Knowledge, intent: Optional[str], message: Dict[str, Any], text: str) -> Optional[str]:
    """For a topic every entry of which needs the resident's own words (a residence status for 外国人の在留期間) and the
    message (with the question a follow-up was read with) shows none: the best other topic the NLU read; else None."""
    topic = knowledge.topic(intent or "")
    if topic is None or not topic.entries or not all(e.signals for e in topic.entries):
        return None
    said = f"{(message or {}).get(READ_WITH) or ''}\n{text}"
    if any(e.signalled_by(said) for e in topic.entries):
        return None
    best = Reading.of(message).best_topic_except({topic.id} | CONVERSATION)
    # Another topic the NLU all but ruled out answers nothing (「きょう にゅうかんで カード もらいました」 got the organ
    # donation box): ask instead.
    return best[0] if best and best[1] >= RULED_OUT else "nlu_fallback"


def _sure_entry_of_a_tie(knowledge: Knowledge, message: Dict[str, Any], text: str) -> Optional[str]:
    """The topic to answer when the NLU fell back only because two topics tied and it is near certain of an entry
    of one of them (whose own words, for an entry that hands over, the message shows); else None."""
    ranked = [r for r in (message or {}).get("intent_ranking") or [] if isinstance(r, dict)]
    # Rasa's FallbackClassifier ranks nlu_fallback with its own threshold as confidence: a topic at or above it fell
    # back for the tie only.
    threshold = next((float(r.get("confidence") or 0.0) for r in ranked if r.get("name") == "nlu_fallback"), 1.0)
    topics = [(r.get("name"), float(r.get("confidence") or 0.0)) for r in ranked if r.get("name") != "nlu_fallback"]
    if len(topics) < 2 or topics[0][1] < threshold:
        return None  # unsure of every topic, not a tie
    reading = Reading.of(message)
    ranking = reading.ranking
    # Near certain of the whole message, or of its asking sentence (「…通知を受け取りました。更新手続きに手数料は発生
    # しますでしょうか。」: 更新 and 手数料 tie as topics, the question is the renewal's fee).
    if not ranking or (ranking[0][1] < SURE_ENTRY_OF_TWO
                       and not any(k == ranking[0][0] and p >= SURE_ENTRY_OF_TWO for k, p, _ in reading.parts)):
        return None
    key = ranking[0][0]
    topic, entry = key.split("/", 1)[0], knowledge.entry_by_key(key)
    if entry is None or topic in CONVERSATION or topic not in {t for t, _ in topics[:2]}:
        return None
    return topic if not entry.handoff or entry.signalled_by(text) else None


# The topic of fees: a fee asked about beside a procedure whose answer states its fee (「更新どこでできる？あと手数料
# いる？」: 「…手数料は無料です」) is answered already, not another topic's fee (the first card's) to offer; unless the
# sentence names the procedure whose fee it asks (「再発行っていくら？」).
FEES_TOPIC = "fees"
_FEE_STATED = re.compile(r"手数料[^。]*(?:無料|円)|手数料なし")
_NAMES_A_PROCEDURE = re.compile(r"再発行|再交付|作り直|つくりなお|初めて|はじめて|新しく作|特急|紛失|なくし|失くし|更新|こうしん")


def other_parts(knowledge: Knowledge, message: Dict[str, Any], answered: Optional[Entry]) -> List[Tuple[str, Entry]]:
    """(topic id, entry) of the other questions the message asks, for buttons under the answer."""
    found: List[Tuple[str, Entry]] = []
    fee_told = answered is not None and bool(_FEE_STATED.search(answered.answer))
    for key, _, sentence in Reading.of(message).parts:
        entry = knowledge.entry_by_key(key)
        if entry is None or entry is answered or entry.handoff or any(e is entry for _, e in found):
            continue
        if fee_told and key.split("/", 1)[0] == FEES_TOPIC and not _NAMES_A_PROCEDURE.search(sentence or ""):
            continue
        found.append((key.split("/", 1)[0], entry))
    return found
