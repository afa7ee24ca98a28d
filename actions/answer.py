"""action_answer_topic: answers the resident's topic from knowledge/, or asks which sub-question they mean."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import Answers, entity_value, get_knowledge
from assistant.knowledge import Knowledge

# Topics whose answer is followed by the topic menu instead of follow-up buttons.
MENU_TOPICS = {"greeting", "unclear_need_clarification"}
# Topics answered at once (best or default entry), never with a clarifying question.
DIRECT_TOPICS = {"greeting", "goodbye", "out_of_scope", "human_help_request"}


class ActionAnswerTopic(Action):
    """Answers the topic the NLU recognised (its intent) with the best-fitting knowledge entry."""

    def __init__(self, knowledge: Optional[Knowledge] = None) -> None:
        self._answers = Answers(knowledge) if knowledge is not None else None

    @property
    def answers(self) -> Answers:
        if self._answers is None:
            self._answers = Answers(get_knowledge())
        return self._answers

    def name(self) -> Text:
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        topic = self.answers.knowledge.topic(intent or "")
        if topic is None:
            # Never silent: an intent without knowledge gets the general contact.
            topic = self.answers.knowledge.topics["out_of_scope"]
        text = message.get("text") or ""
        subtopic = entity_value(message.get("entities"), "subtopic")
        reply, entry, asked = self.answers.respond(topic, text, subtopic, may_ask=topic.id not in DIRECT_TOPICS)
        if topic.id in MENU_TOPICS and not asked:
            reply["buttons"] = self.answers.menu_buttons()
        dispatcher.utter_message(text=reply["text"], buttons=reply["buttons"])
        return [
            SlotSet("fallback_count", 0.0),
            SlotSet("last_topic", topic.id),
            SlotSet("last_entry", None if asked else entry.id),
        ]
