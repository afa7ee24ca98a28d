"""action_respond: the one action every rule calls. It decides between the guide in progress,
a topic answer and "did you mean", so the conversation's state machine lives in one place."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import age_band
from actions.answer import TopicResponder
from actions.common import HUMAN_TOPIC, Answers, as_typed, entity_value, get_knowledge, wants_easy
from actions.feedback import rated
from actions.fallback import FallbackResponder
from actions.guide import GuideFlow
from actions.handoff import HandoffResponder
from actions.understanding import CONVERSATION, Reading, reroute
from assistant.analytics import feedback
from assistant.knowledge import Entry, Knowledge
from assistant.nlu.sentences import sentences

GUIDE_INTENTS = {
    "guide_start", "guide_answer", "guide_done", "guide_stuck", "guide_repeat", "guide_back", "guide_stop", "guide_resume",
}

# Below this confidence a typed guide command outside a guide is treated as not understood.
SURE_CONTROL = 0.6
# What these intents ask for is never an answer to a branch question.
KEEP_INTENT_WHILE_ASKING = {"guide_stuck", "guide_stop", "guide_back", "guide_repeat", "guide_resume", "human_help_request"}


# The message's best entry must be this sure to be answered before a person is called.
SURE_OF_QUESTION = 0.5


class ActionRespond(Action):
    """Answers every message: guide control, a branch answer, a topic, or an unsure reading."""

    def __init__(self, knowledge: Optional[Knowledge] = None, **handoff_options: Any) -> None:
        """handoff_options go to HandoffResponder (tests hand in a store and a clock)."""
        self._knowledge = knowledge
        self._handoff_options = handoff_options
        self._parts = None

    def name(self) -> Text:
        return "action_respond"

    def parts(self):
        knowledge = self._knowledge or get_knowledge()
        if self._parts is None or self._parts[1].answers.knowledge is not knowledge:
            # First use, or an answer published in the staff console since (get_knowledge gave a new object).
            answers = Answers(knowledge)
            guides = GuideFlow(answers)
            fallback = FallbackResponder(answers)
            handoff = HandoffResponder(answers, **self._handoff_options)
            guides.handoff_opener = fallback.handoff_opener = handoff.open
            self._parts = (guides, TopicResponder(answers, guides), fallback, handoff)
        return self._parts

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        guides, topics, fallback, handoff = self.parts()
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        entities = message.get("entities") or []

        typed = not (message.get("text") or "").startswith("/")
        stage = tracker.get_slot("handoff_stage") or ""
        if intent == "handoff_callback":
            return handoff.callback(dispatcher, tracker, entity_value(entities, "answer"))
        if intent == "age_band":
            return age_band.answer(dispatcher, entity_value(entities, "band"), topics.answers.menu_buttons())
        if intent == feedback.FEEDBACK_INTENT and feedback.is_answer_feedback(entity_value(entities, "answer")):
            return rated(dispatcher, tracker, topics.answers.knowledge, handoff.store.engine,
                         entity_value(entities, "answer"), entity_value(entities, "subtopic"))
        if intent == "handoff_feedback":
            return handoff.feedback(dispatcher, tracker, entity_value(entities, "score")) + age_band.ask(dispatcher, tracker)
        if typed and stage == "phone":
            return handoff.phone_turn(dispatcher, tracker)
        # An offered callback not taken up: the resident has moved on.
        moved_on = [SlotSet("handoff_stage", None)] if stage else []
        words = topics.answers.knowledge.conversation
        if typed and words is not None and not guides.active(tracker) and words.asks_easier(message.get("text") or ""):
            return moved_on + topics.easier(dispatcher, tracker)
        if typed and words is not None and words.in_another_language(message.get("text") or ""):
            return moved_on + topics.respond_entry(dispatcher, words.other_language_entry)
        if (typed and words is not None and not stage and not guides.active(tracker)
                and words.says_only_ok(message.get("text") or "")):
            # Not while a call back is offered (there 「OK」 may take it up) or a guide waits for 「できた」.
            return moved_on + topics.respond_entry(dispatcher, words.only_ok_entry)
        events = moved_on + self._respond(dispatcher, tracker, intent, entities, typed)
        if age_band.ends_conversation(intent, events):
            events += age_band.ask(dispatcher, tracker)
        return events

    def _respond(self, dispatcher, tracker: Tracker, intent: Optional[str], entities, typed: bool) -> List[Dict[Text, Any]]:
        guides, topics, fallback, handoff = self.parts()
        message = tracker.latest_message or {}
        if typed and guides.active(tracker) and intent not in KEEP_INTENT_WHILE_ASKING:
            # Free text while a branch question waits: 「持ってない」「家の外でなくしました」,
            # whatever the NLU made of it.
            value = guides.pending_answer(tracker)
            if value is not None:
                return guides.answer(dispatcher, tracker, value)
        rerouted = reroute(topics.answers.knowledge, intent, message) if typed else None
        if rerouted is not None:
            intent = rerouted
        unread = intent in ("nlu_fallback", None) or (intent in GUIDE_INTENTS and not guides.active(tracker))
        told = self._handoff_told(topics, tracker, text=message.get("text") or "") if typed and (
            unread or self._reads_as_last_answer(tracker, message)) else None
        if told is not None:
            # 「もう口座番号言っちゃった」 right after a scam call's warning: the victim's answer and a person (no rating).
            return topics.respond_entry(dispatcher, told, easy=wants_easy(tracker), buttons=False) + handoff.open(
                dispatcher, tracker, reason=topics.answers.knowledge.entry_by_key(told).handoff, topic=told.split("/", 1)[0])
        if intent in GUIDE_INTENTS:
            confidence = (message.get("intent") or {}).get("confidence") or 0.0
            if typed and not guides.active(tracker) and confidence < SURE_CONTROL:
                # 「次」 with no guide running is likely something else the NLU could not read.
                return fallback.respond(dispatcher, tracker, [])
            return self._guide(guides, dispatcher, tracker, intent, entities)
        if intent == HUMAN_TOPIC:
            entry = self._human_entry(topics, message)
            text = message.get("text") or ""
            if entry.handoff and typed and not entry.signalled_by(text):
                instead = self._instead_of_person(topics, message, text) if any(u.search(text) for u in entry.unless) else None
                if instead:
                    # 「職員と話したいわけじゃない、電話番号だけ」: the resident says what they want instead.
                    return topics.respond(dispatcher, tracker, instead)
                # The NLU thought of a person, but the resident's words do not ask for one: offer, don't call.
                return self._offer_person(topics, dispatcher, entry)
            if entry.handoff:
                where = guides.where(tracker) or {"topic": tracker.get_slot("last_topic")}
                events, line = guides.handoff(tracker) if guides.active(tracker) else ([], None)
                if typed and not guides.active(tracker):
                    # 「Can I talk to someone in English?」: the multilingual lines first; 「どんな写真なら使えるのか教えて
                    # ください。それと担当の職員と話をさせて」: the question first.
                    words = topics.answers.knowledge.conversation
                    english = words.english_first(as_typed(tracker)) if words is not None else ""
                    if english:
                        dispatcher.utter_message(text=english.strip())
                    self._answer_asked_part(topics, dispatcher, message, wants_easy(tracker))
                return (events + handoff.open(dispatcher, tracker, reason=entry.handoff, prefix=line, **where)
                        + [SlotSet("last_topic", HUMAN_TOPIC), SlotSet("last_entry", entry.id)])
            if guides.active(tracker):
                events, line = guides.handoff(tracker)
                if line:
                    dispatcher.utter_message(text=line)
                return events + topics.respond(dispatcher, tracker, intent)
        if intent == "nlu_fallback" or intent is None:
            extra = [guides.resume_button()] if guides.active(tracker) else []
            return fallback.respond(dispatcher, tracker, extra)
        events = topics.respond(dispatcher, tracker, intent)
        entry = self._answered(topics, intent, events)
        if entry is not None and entry.handoff:
            # Some answers need a person at once (a DV victim's card, a fraud under way).
            events += handoff.open(dispatcher, tracker, reason=entry.handoff, topic=intent)
        return events

    @staticmethod
    def _reads_as_last_answer(tracker: Tracker, message: Dict[str, Any]) -> bool:
        """The NLU read the message as the answer just given (a follow-up read with the warning): no reading of its own."""
        ranked = Reading.of(message).ranking
        return bool(ranked) and ranked[0][0] == f"{tracker.get_slot('last_topic')}/{tracker.get_slot('last_entry')}"

    @staticmethod
    def _handoff_told(topics: TopicResponder, tracker: Tracker, text: str) -> Optional[str]:
        """The entry (`topic/entry`) of the topic just answered that hands over and whose own words a message the NLU
        could not read shows (「もう口座番号言っちゃった」 after the scam calls' warning: a fraud victim), else None."""
        topic = topics.answers.knowledge.topic(tracker.get_slot("last_topic") or "")
        if topic is None or topic.id == HUMAN_TOPIC:  # a person has its own way (reroute: asks_for_person)
            return None
        told = [e for e in topic.entries if e.handoff and e.signals and e.signalled_by(text)]
        return f"{topic.id}/{told[0].id}" if len(told) == 1 else None

    @staticmethod
    def _answer_asked_part(topics: TopicResponder, dispatcher: CollectingDispatcher, message: Dict[str, Any],
                           easy: bool) -> None:
        """The answer to the other question a message asks besides a person, in a sentence of its own (not 「暗証番号の
        ことで担当者と話したい」): the entry the message reads as surely, else an asking sentence's; none that hands over
        itself or lacks its own words."""
        knowledge, text = topics.answers.knowledge, message.get("text") or ""
        if len(sentences(text)) < 2:
            return
        reading = Reading.of(message)
        surest = [key for key, p in reading.ranking[:1] if p >= SURE_OF_QUESTION]
        for key in surest + list(reading.asked):
            entry = knowledge.entry_by_key(key)
            topic = knowledge.topic(key.split("/", 1)[0])
            if (entry is None or topic is None or topic.id in CONVERSATION | {HUMAN_TOPIC} or entry.handoff
                    or (entry.signals and not entry.signalled_by(text))):
                continue
            dispatcher.utter_message(text=topics.answers.answer(topic, entry, easy=easy)["text"])
            return

    @staticmethod
    def _instead_of_person(topics: TopicResponder, message: Dict[str, Any], text: str) -> Optional[str]:
        """The topic of the best entry that is not a person; the desk's phone number or FAX (the same
        topic) wins when the model thinks it at least half as likely as the best other entry."""
        knowledge = topics.answers.knowledge
        same: Optional[float] = None
        other: Optional[Tuple[str, float]] = None
        for key, p in Reading.of(message).ranking:
            entry, topic = knowledge.entry_by_key(key), key.split("/", 1)[0]
            if entry is None or entry.handoff or topic in {"out_of_scope", "greeting", "goodbye"} \
                    or not entry.signalled_by(text):
                continue
            if topic == HUMAN_TOPIC and same is None:
                same = p
            elif topic != HUMAN_TOPIC and other is None:
                other = (topic, p)
        if same is not None and (other is None or same >= 0.5 * other[1]):
            return HUMAN_TOPIC
        return other[0] if other else None

    @staticmethod
    def _offer_person(topics: TopicResponder, dispatcher, entry: Entry) -> List[Dict[Text, Any]]:
        answers = topics.answers
        buttons = [{"title": "職員に相談する", "payload": f"/{HUMAN_TOPIC}"}] + answers.menu_buttons()[:2]
        dispatcher.utter_message(text=answers.answer(answers.knowledge.topics[HUMAN_TOPIC], entry)["text"], buttons=buttons)
        return [SlotSet("last_topic", HUMAN_TOPIC), SlotSet("last_entry", entry.id)]

    @staticmethod
    def _human_entry(topics: TopicResponder, message: Dict[str, Any]) -> Entry:
        """Which part of 「職員と話したい」 the resident means: a person (default), or the phone number, the FAX."""
        topic = topics.answers.knowledge.topics[HUMAN_TOPIC]
        subtopic = entity_value(message.get("entities"), "subtopic")
        text = message.get("text") or ""
        if subtopic and topic.entry(subtopic):
            return topic.entry(subtopic)
        if text.startswith("/"):
            return topic.default_entry
        # The NLU's best entry of this topic, before its signals are checked (the caller checks them).
        for key, _ in Reading.of(message).ranking:
            if key.startswith(HUMAN_TOPIC + "/") and topic.entry(key.split("/", 1)[1]):
                return topic.entry(key.split("/", 1)[1])
        return topics.answers.picker(topic).pick(text).entry

    @staticmethod
    def _answered(topics: TopicResponder, intent: Optional[str], events: List[Dict[str, Any]]) -> Optional[Entry]:
        topic = topics.answers.knowledge.topic(intent or "")
        entry_id = next((e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "last_entry"), None)
        return topic.entry(entry_id) if topic and entry_id else None

    @staticmethod
    def _guide(guides: GuideFlow, dispatcher, tracker, intent: str, entities) -> List[Dict[str, Any]]:
        if intent == "guide_start":
            return guides.start(dispatcher, tracker, entity_value(entities, "guide"))
        if guides.is_stale(tracker, entity_value(entities, "guide"), entity_value(entities, "step")):
            return guides.where_now(dispatcher, tracker)  # a button of an earlier step moves nothing
        if intent == "guide_answer":
            return guides.answer(dispatcher, tracker, entity_value(entities, "answer") or guides.pending_answer(tracker))
        if intent == "guide_done":
            return guides.done(dispatcher, tracker)
        if intent == "guide_stuck":
            return guides.stuck(dispatcher, tracker)
        if intent == "guide_repeat":
            return guides.repeat(dispatcher, tracker)
        if intent == "guide_back":
            return guides.back(dispatcher, tracker)
        if intent == "guide_stop":
            return guides.stop(dispatcher, tracker)
        return guides.resume(dispatcher, tracker, prefix="続きからご案内します。")
