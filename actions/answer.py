"""Answers a resident's topic from knowledge/, asks which sub-question they mean, or starts a guide."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Set

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import HUMAN_TOPIC, Answers, as_typed, entity_value, get_yes_no, wants_easy, written_in_hiragana
from actions.feedback import with_rating
from actions.guide import GuideFlow
from actions.understanding import READ_WITH, Reading, other_parts
from assistant.knowledge import Entry, Topic
from assistant.knowledge.yes_no import question_sentence, short_answer

# Topics whose answer is followed by the topic menu instead of follow-up buttons.
MENU_TOPICS = {"greeting", "unclear_need_clarification"}
# Topics answered at once (best or default entry), never with a clarifying question.
DIRECT_TOPICS = {"greeting", "goodbye", "out_of_scope", "human_help_request"}
# Topics that are conversation themselves: no greeting back or acknowledgement before them.
CONVERSATION_TOPICS = {"greeting", "goodbye", "human_help_request", "unclear_need_clarification"}
# The resident asks for the procedure itself (「やり方を教えて」「手順は？」): start the guide.
# 「どうしたらいい？」 asks for advice: it gets the answer, with the guide as the first button.
# The entry's confidence (the NLU's ranking) needed before an answer starts with はい or いいえ.
SURE_FOR_YES_NO = 0.6
HOW_TO_RE = re.compile(r"やり方|やりかた|手順|てじゅん|方法|ほうほう|順番|how to|step by step", re.I)
# 「急いで作り直してもらう方法は？」 asks one entry's question (特急発行), not for the whole procedure:
# when the NLU is this sure of an entry other than the topic's default, that entry is answered (with
# the guide as a button).
SURE_FOR_SPECIFIC = 0.6
# ...or when the topic's default entry (what its guide walks through) is below this.
NOT_THE_DEFAULT = 0.05


def asks_a_specific_entry(reading: Reading, topic: Topic, guided: Set[str]) -> bool:
    """True when the message's best entry in this topic is another than the ones the topic's guides walk through, and
    either sure or those all but ruled out: 「母の代わりに…家族でもログインできる方法は」 is torn between 代理人 and
    できること, never the own first login; 「電子証明書の期限を確認する方法」 asks the period, not how to renew."""
    ranked = dict(reading.ranking)
    for key, confidence in reading.ranking:
        if key.startswith(topic.id + "/"):
            return key not in guided and (confidence >= SURE_FOR_SPECIFIC
                                          or all(ranked.get(g, 0.0) < NOT_THE_DEFAULT for g in guided))
    return False


_NEGATIVE = re.compile(r"ません|ない|できず|不要|いらない")


def says_the_same(short: str, line: str, share: float = 0.7) -> bool:
    """The short answer's words (after はい、/いいえ、) are the line's, or nearly: 70% of its character pairs are in
    the line (「一部のコンビニ（セブン-イレブンなど）で再設定できます」 and the answer's first line)."""
    if short in line:
        return True
    if bool(_NEGATIVE.search(short)) != bool(_NEGATIVE.search(line)):
        return False  # できます against できません: near in characters, opposite in meaning
    pairs = {short[i:i + 2] for i in range(len(short) - 1)}
    return bool(pairs) and len(pairs & {line[i:i + 2] for i in range(len(line) - 1)}) >= share * len(pairs)


# An answer written for the usual yes/no question starts with its own はい or いいえ (「いいえ。コンビニで取る住民票の…」).
_OWN_YES_NO = re.compile(r"^(?:はい|いいえ)[。、]\s*")


def with_yes_no(answer: str, first: Optional[str], asks_yes_no: bool) -> str:
    """The answer with はい or いいえ said once, and the right way round.

    「コンビニで暗証番号なおせる？」: the short answer first, then the answer that explains it; when the short answer
    says what the answer's first line says, that line gets the はい or いいえ instead. An answer that starts with its
    own はい or いいえ gets the short answer's word instead (a negative question turns it), and loses it when the
    resident asked no yes/no question (「マイナンバー入りの住民票はどこで取れる？」)."""
    head, newline, rest = answer.partition("\n")
    own = _OWN_YES_NO.match(head)
    if first:
        word, _, said = first.partition("、")
        if own:
            return f"{word}。{head[own.end():]}{newline}{rest}"
        if said and says_the_same(said, head):
            return f"{word}、{head.strip()}{newline}{rest}"
        return f"{first}\n{answer}"
    if own and not asks_yes_no:
        return f"{head[own.end():]}{newline}{rest}"
    return answer


class TopicResponder:
    """The answer for a topic intent (the NLU's reading of the resident's need)."""

    def __init__(self, answers: Answers, guides: GuideFlow) -> None:
        self.answers = answers
        self.guides = guides

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, intent: Optional[str]) -> List[Dict[str, Any]]:
        knowledge = self.answers.knowledge
        message = tracker.latest_message or {}
        topic = knowledge.topic(intent or "")
        if topic is None:
            # Never silent: an intent without knowledge gets the general contact.
            topic = knowledge.topics["out_of_scope"]
        text = message.get("text") or ""
        guide_active = self.guides.active(tracker)

        reading = Reading.of(message)
        if (not guide_active and HOW_TO_RE.search(text) and knowledge.guides_for(topic.id)
                and not asks_a_specific_entry(reading, topic, knowledge.guided_entries(topic.id))):
            events = self.guides.offer_or_start(dispatcher, tracker, topic.id, text)
            return events + self._walked_through(topic, reading, events)

        subtopic = entity_value(message.get("entities"), "subtopic")
        typed = not text.startswith("/")
        chosen = reading.entry_for(knowledge, topic.id, text, message.get(READ_WITH) or "") if typed and not subtopic else None
        words = knowledge.conversation
        if typed and words is not None and words.looks_like_phishing(text):
            warned = self._phishing_first(dispatcher, topic, chosen, words, text, wants_easy(tracker), as_typed(tracker))
            if warned is not None:
                return warned
        # A question written in hiragana only (「あんしょうばんごう わすれて しもうた」) is answered in やさしい日本語 too.
        easy = wants_easy(tracker) or (typed and topic.id not in CONVERSATION_TOPICS and written_in_hiragana(as_typed(tracker)))
        reply, entry, asked = self.answers.respond(topic, text, subtopic, may_ask=topic.id not in DIRECT_TOPICS,
                                                   easy=easy, chosen=chosen)
        buttons = reply["buttons"]
        if topic.id in MENU_TOPICS and not asked:
            buttons = self.answers.menu_buttons()
        elif not asked:
            guide_buttons = [self.guides.start_button(g) for g in knowledge.guides_for(topic.id)[:1]]
            part_buttons = [self.answers.entry_button(knowledge.topics[t], e) for t, e in other_parts(knowledge, message, entry)]
            if typed and self._asks_a_person_too(reading, text):
                # 「…どこで解除できますか。それと、担当の方と直接話をさせて」: the answer, and a person at one press.
                part_buttons = self.answers.person_buttons()[:1] + part_buttons
            buttons = (part_buttons[:2] + guide_buttons + buttons)[:4 if part_buttons else 3]
            if entry.handoff:
                # A DV victim's card, a fraud already suffered: a person takes over; no fee or rating buttons.
                buttons = guide_buttons
            elif not guide_active:
                buttons = with_rating(buttons, topic, entry)
        events: List[Dict[str, Any]] = []
        if guide_active:
            # A side question in the middle of a guide: the way back comes first.
            buttons = [self.guides.resume_button()] + buttons
        key = f"{topic.id}/{entry.id}"
        # はい/いいえ only when the NLU is sure of the entry: a yes/no in front of a wrong answer misleads.
        # Nor when the message asks something else too: its yes/no question may be the other one
        # (「カードはどうなりますか？あと口座はそのまま使えますか？」).
        sure = dict(reading.ranking).get(key, 0.0) >= SURE_FOR_YES_NO
        alone = all(part_key == key for part_key in reading.asked)
        first = short_answer(key, text, get_yes_no()) if typed and not asked and sure and alone else None
        if typed and not asked:
            reply = {**reply, "text": with_yes_no(reply["text"], first, question_sentence(text) is not None)}
        dispatcher.utter_message(text=self._framed(reply["text"], text, topic.id, typed, as_typed(tracker)), buttons=buttons,
                                 json_message=reply.get("custom") or None)
        events += [
            SlotSet("fallback_count", 0.0),
            SlotSet("last_topic", topic.id),
            SlotSet("last_entry", None if asked else entry.id),
        ]
        # Answered in やさしい日本語 for a hiragana question: easy words for the rest of the conversation too.
        return events + ([SlotSet("easy_words", True)] if easy and not wants_easy(tracker) else [])

    def _asks_a_person_too(self, reading: Reading, text: str) -> bool:
        """A part of the message asks for a person in so many words."""
        knowledge = self.answers.knowledge
        entries = [knowledge.entry_by_key(key) for key in reading.asked if key.startswith(HUMAN_TOPIC + "/")]
        return any(e is not None and e.handoff and e.signalled_by(text) for e in entries)

    def respond_entry(self, dispatcher: CollectingDispatcher, key: str, easy: bool = False,
                      buttons: bool = True) -> List[Dict[str, Any]]:
        """One entry (`topic/entry`) answered as it stands: a message in a language the assistant does not read gets
        the multilingual line (without buttons: before a person takes over)."""
        topic_id, _, entry_id = key.partition("/")
        topic = self.answers.knowledge.topics[topic_id]
        reply = self.answers.answer(topic, topic.entry(entry_id), easy=easy)
        dispatcher.utter_message(text=reply["text"], buttons=reply["buttons"] if buttons else [])
        return [SlotSet("fallback_count", 0.0), SlotSet("last_topic", topic_id), SlotSet("last_entry", entry_id)]

    def easier(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
        """「もっとかんたんに」: the last answer again in やさしい日本語, and easy words from now on."""
        knowledge, words = self.answers.knowledge, self.answers.knowledge.conversation
        topic = knowledge.topic(tracker.get_slot("last_topic") or "")
        entry = topic.entry(tracker.get_slot("last_entry") or "") if topic is not None else None
        if topic is None or entry is None or not entry.easy:
            dispatcher.utter_message(text=words.easier_no_answer, buttons=self.answers.menu_buttons())
        elif wants_easy(tracker):
            # The answer was already in its easiest words: a person explains instead.
            dispatcher.utter_message(text=words.easier_already, buttons=self.answers.person_buttons())
        else:
            reply = self.answers.answer(topic, entry, easy=True)
            dispatcher.utter_message(text=f"{words.easier_reply}\n{reply['text']}", buttons=reply["buttons"],
                                     json_message=reply.get("custom") or None)
        return [SlotSet("easy_words", True), SlotSet("fallback_count", 0.0)]

    def _framed(self, reply: str, text: str, topic_id: str, typed: bool, as_written: str = "") -> str:
        """A greeting back and one sentence for the resident's feeling, before the fact."""
        words = self.answers.knowledge.conversation
        if typed and words is not None and topic_id == "greeting" and reply.startswith(words.greeting_reply):
            return words.greeting_back(text) + reply[len(words.greeting_reply):]  # 「おはようございます」 back
        if not typed or words is None or topic_id in CONVERSATION_TOPICS:
            return reply
        english = words.english_first(as_written or text)
        lines = [english] if english else []
        if words.greets(text):
            lines.append(words.greeting_back(text))
        feeling = words.acknowledgement(text)
        if feeling:
            lines.append(feeling)
        return "".join(lines) + ("\n" if lines else "") + reply

    def _walked_through(self, topic: Topic, reading: Reading, events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """A guide started for a "how do I" question answers the entry it walks through (the likeliest of them): that
        entry is the one answered, as if its text had been given."""
        if not any(e.get("event") == "slot" and e.get("name") == "guide_id" and e.get("value") for e in events):
            return []
        ranked = dict(reading.ranking)
        key = max(sorted(self.answers.knowledge.guided_entries(topic.id)), key=lambda k: ranked.get(k, 0.0), default=None)
        return [SlotSet("fallback_count", 0.0), SlotSet("last_topic", topic.id), SlotSet("last_entry", key.split("/", 1)[1])] if key else []

    def _phishing_first(self, dispatcher, topic: Topic, chosen: Optional[Entry], words, text: str,
                        easy: bool = False, as_written: str = "") -> Optional[List[Dict[str, Any]]]:
        """A suspected scam mail, SMS or call: the warning first, what else was asked as a button."""
        knowledge = self.answers.knowledge
        key = f"{topic.id}/{chosen.id}" if chosen else None
        if key in words.phishing_already:
            return None
        warning_topic, _, warning_id = words.scam_warning_for(text).partition("/")
        warning = knowledge.topics[warning_topic].entry(warning_id)
        reply = self.answers.answer(knowledge.topics[warning_topic], warning, easy)
        buttons = reply["buttons"]
        if chosen is not None and topic.id not in CONVERSATION_TOPICS and not chosen.handoff:
            buttons = [self.answers.entry_button(topic, chosen)] + buttons[:2]
        dispatcher.utter_message(text=words.english_first(as_written or text) + reply["text"], buttons=buttons, json_message=reply.get("custom") or None)
        return [SlotSet("fallback_count", 0.0), SlotSet("last_topic", warning_topic), SlotSet("last_entry", warning.id)]
