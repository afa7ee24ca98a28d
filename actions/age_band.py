"""The optional age band: asked once at the end of a conversation, skippable, so that the city can
see which age groups find which steps hard. Only the band is kept, never an age."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

BANDS = {
    "under20": "10代以下", "20s": "20代", "30s": "30代", "40s": "40代", "50s": "50代",
    "60s": "60代", "70s": "70代", "80plus": "80代以上",
}
DECLINED = "declined"
QUESTION = "サービスをよくするために、よろしければ年代を教えてください。答えなくても大丈夫です。"
THANKS = "ありがとうございました。"
NOTED_DECLINE = "わかりました。"


def ends_conversation(intent: Optional[str], events: List[Dict[str, Any]]) -> bool:
    """A goodbye, a guide finished, or the satisfaction answer after staff: the end of a visit."""
    if intent in ("goodbye", "handoff_feedback"):
        return True
    return any(e.get("event") == "slot" and e.get("name") == "guide_event"
               and (e.get("value") or {}).get("type") == "guide_completed" for e in events)


def ask(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    if tracker.get_slot("age_band_asked"):
        return []
    buttons = [{"title": label, "payload": f'/age_band{{"band":"{key}"}}'} for key, label in BANDS.items()]
    buttons.append({"title": "答えない", "payload": f'/age_band{{"band":"{DECLINED}"}}'})
    dispatcher.utter_message(text=QUESTION, buttons=buttons)
    return [SlotSet("age_band_asked", True)]


def answer(dispatcher: CollectingDispatcher, band: Optional[str], menu: List[Dict[str, str]]) -> List[Dict[str, Any]]:
    if band in BANDS:
        dispatcher.utter_message(text=THANKS, buttons=menu)
        return [SlotSet("age_band", band)]
    dispatcher.utter_message(text=NOTED_DECLINE, buttons=menu)
    return [SlotSet("age_band", DECLINED)]
