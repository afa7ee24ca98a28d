"""When the NLU is unsure: offer the likeliest topics; the second time in a row, offer a person."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import HUMAN_TOPIC, NOT_SUGGESTED, Answers, wants_easy

MAX_SUGGESTIONS = 3
MIN_CONFIDENCE = 0.05
# A message this short that the NLU cannot place is a bare word (「カード」「手続き」):
# ask what the resident wants to do, with the topic menu, rather than guess.
VAGUE_MAX_CHARS = 6
VAGUE_TOPIC = "unclear_need_clarification"
# Under the nearest topics, and on the second failure first: a question no entry answers
# (「カードケースはどこで買える？」) is one for staff.
STAFF_BUTTON = {"title": "職員に相談", "payload": f"/{HUMAN_TOPIC}"}


class FallbackResponder:
    """Handles nlu_fallback: suggests up to three topics; a second failure in a row offers staff."""

    def __init__(self, answers: Answers) -> None:
        self.answers = answers
        # Set by action_respond: opens a handoff (the second failure in a row calls it).
        self.handoff_opener = None

    def suggestions(self, tracker: Tracker) -> List[str]:
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        topics = self.answers.knowledge.topics
        found = []
        for item in ranking:
            name = item.get("name")
            if name in topics and name not in NOT_SUGGESTED and (item.get("confidence") or 0) >= MIN_CONFIDENCE:
                found.append(name)
        return found[:MAX_SUGGESTIONS]

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, extra_buttons: List[Dict[str, str]]) -> List[Dict[str, Any]]:
        said = (tracker.latest_message or {}).get("text") or ""
        words = self.answers.knowledge.conversation
        ranking = [r.get("name") for r in (tracker.latest_message or {}).get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        if (words is not None and words.greets(said) and "greeting" in self.answers.knowledge.topics
                and ranking[:1] and ranking[0] in ("greeting", VAGUE_TOPIC)):
            # 「おはようございます、ちょっと聞きたいことがあって」: a greeting and no need yet is no failure:
            # greet back, say what can be asked, and show the menu.
            greeting = self.answers.knowledge.topics["greeting"]
            reply = self.answers.answer(greeting, greeting.default_entry, wants_easy(tracker))
            if reply["text"].startswith(words.greeting_reply):  # 「おはようございます」 back
                reply = {**reply, "text": words.greeting_back(said) + reply["text"][len(words.greeting_reply):]}
            dispatcher.utter_message(text=reply["text"], buttons=extra_buttons + self.answers.menu_buttons())
            return [SlotSet("fallback_count", 0.0), SlotSet("last_topic", "greeting")]
        failures = int(tracker.get_slot("fallback_count") or 0) + 1
        events: List[Dict[str, Any]] = [SlotSet("fallback_count", float(failures))]
        suggestions = self.suggestions(tracker)
        buttons = [self.answers.topic_button(t) for t in suggestions if t != HUMAN_TOPIC]
        desk = self.answers.knowledge.municipality["desk"]
        if failures >= 2 and self.handoff_opener is not None:
            return events + self.handoff_opener(
                dispatcher, tracker, reason="nlu_failure", topic=suggestions[0] if suggestions else None,
                prefix="うまくお答えできず、申し訳ありません。")
        if failures >= 2:
            text = (
                "うまくお答えできず、申し訳ありません。職員がお手伝いできます。"
                f"{desk['name']}（電話 {desk['phone']}、{desk['hours']}）にご相談ください。"
                "下のボタンからも職員への相談を申し込めます。"
            )
            buttons = [STAFF_BUTTON] + buttons[:2]
        elif len(said) <= VAGUE_MAX_CHARS:
            text = self.answers.knowledge.topics[VAGUE_TOPIC].default_entry.answer
            buttons = self.answers.menu_buttons()
            events.append(SlotSet("last_topic", VAGUE_TOPIC))
        elif buttons:
            text = ("すみません、ご質問をうまく読み取れませんでした。次のどれかに近いですか？"
                    "どれでもなければ、職員がお答えします。")
            buttons = buttons + [STAFF_BUTTON]
        else:
            text = (
                "すみません、ご質問をうまく読み取れませんでした。"
                "別の言葉で、もう一度短く書いていただけますか。下の一覧からも選べます。"
            )
            buttons = self.answers.menu_buttons()
        dispatcher.utter_message(text=text, buttons=extra_buttons + buttons)
        return events
