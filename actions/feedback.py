"""The 「役に立った」「役に立たなかった」 buttons under an answer, and the turn after a resident taps one."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from assistant.analytics import feedback
from assistant.knowledge import Entry, Knowledge, Topic

# Under these an answer asks for no rating: conversation itself, or a person takes over.
NOT_RATED = {"greeting", "goodbye", "human_help_request", "unclear_need_clarification", "out_of_scope"}
# Buttons an answer shows besides the two ratings: a kiosk user must not face a wall of buttons.
MAX_OTHER_BUTTONS = 3
THANKS = "ありがとうございます。ほかにも知りたいことがあれば、どうぞ。"
SORRY = "お役に立てず、すみません。いただいた声は、回答を見直すのに使います。職員に相談することもできます。"
STAFF_BUTTON = {"title": "職員に相談", "payload": "/human_help_request"}


def with_rating(buttons: List[Dict[str, Any]], topic: Topic, entry: Entry) -> List[Dict[str, Any]]:
    """An answer's buttons with the two ratings last (at most MAX_OTHER_BUTTONS others before them)."""
    if topic.id in NOT_RATED or entry.handoff:
        return buttons
    return buttons[:MAX_OTHER_BUTTONS] + feedback.buttons(f"{topic.id}/{entry.id}")


def rated(dispatcher: CollectingDispatcher, tracker: Tracker, knowledge: Knowledge, engine: Any,
          answer: Optional[str], entry_key: Optional[str]) -> List[Dict[str, Any]]:
    """Stores the tap for the entry its button named (an old answer's button counts for that answer) and thanks."""
    helpful = answer == feedback.HELPFUL
    if entry_key and knowledge.entry_by_key(entry_key) is not None:
        feedback.record(engine, entry_key, helpful, tracker.get_latest_input_channel())
    if helpful:
        dispatcher.utter_message(text=THANKS)
    else:
        dispatcher.utter_message(text=SORRY, buttons=[STAFF_BUTTON])
    return []
