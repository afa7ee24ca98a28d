"""Answers a resident's topic from knowledge/, asks which sub-question they mean, or starts a guide."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import Answers, entity_value, wants_easy
from actions.guide import GuideFlow

# Topics whose answer is followed by the topic menu instead of follow-up buttons.
MENU_TOPICS = {"greeting", "unclear_need_clarification"}
# Topics answered at once (best or default entry), never with a clarifying question.
DIRECT_TOPICS = {"greeting", "goodbye", "out_of_scope", "human_help_request"}
# The resident asks for the procedure itself (「やり方を教えて」「手順は？」): start the guide.
# 「どうしたらいい？」 asks for advice: it gets the answer, with the guide as the first button.
HOW_TO_RE = re.compile(r"やり方|やりかた|手順|てじゅん|方法|ほうほう|順番|how to|step by step", re.I)


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

        if not guide_active and HOW_TO_RE.search(text) and knowledge.guides_for(topic.id):
            return self.guides.offer_or_start(dispatcher, tracker, topic.id, text)

        subtopic = entity_value(message.get("entities"), "subtopic")
        reply, entry, asked = self.answers.respond(topic, text, subtopic, may_ask=topic.id not in DIRECT_TOPICS,
                                                   easy=wants_easy(tracker))
        buttons = reply["buttons"]
        if topic.id in MENU_TOPICS and not asked:
            buttons = self.answers.menu_buttons()
        elif not asked:
            guide_buttons = [self.guides.start_button(g) for g in knowledge.guides_for(topic.id)[:1]]
            buttons = (guide_buttons + buttons)[:3]
        events: List[Dict[str, Any]] = []
        if guide_active:
            # A side question in the middle of a guide: the way back comes first.
            buttons = [self.guides.resume_button()] + buttons
        dispatcher.utter_message(text=reply["text"], buttons=buttons)
        events += [
            SlotSet("fallback_count", 0.0),
            SlotSet("last_topic", topic.id),
            SlotSet("last_entry", None if asked else entry.id),
        ]
        return events
