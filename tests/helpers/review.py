"""Tracker-store rows as Rasa's SQLTrackerStore writes them, for the review queue's tests: residents' messages with
the NLU's reading (intent, confidence, entry ranking), 役に立たなかった taps and 「わからない」 in a guide."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

NOW = time.time()


class Tracker:
    """Rows of Rasa's SQLTrackerStore, written as it writes them, for one or more residents."""

    def __init__(self, path: Path) -> None:
        from rasa.core.tracker_store import SQLTrackerStore

        self.engine = sa.create_engine(f"sqlite:///{path}", future=True)
        SQLTrackerStore.Base.metadata.create_all(self.engine)
        self.t = NOW - 600

    def add(self, sender: str, event) -> None:
        from rasa.core.tracker_store import SQLTrackerStore

        data = event.as_dict()
        with self.engine.begin() as conn:
            conn.execute(SQLTrackerStore.SQLEvent.__table__.insert(), [{
                "sender_id": sender, "type_name": event.type_name, "timestamp": data.get("timestamp"),
                "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                "action_name": data.get("name"), "data": json.dumps(data)}])

    def says(self, sender: str, text: str, intent: str, confidence: float = 0.9,
             ranking: Optional[List[str]] = None, entities: Optional[List[Dict[str, Any]]] = None) -> None:
        from rasa.shared.core.events import UserUttered

        self.t += 2
        parsed = {"name": intent, "confidence": confidence}
        selector = {"default": {"ranking": [{"intent_response_key": k, "confidence": 0.5} for k in ranking or []]}}
        self.add(sender, UserUttered(text, intent=parsed, entities=entities or [], input_channel="rest",
                                     timestamp=self.t,
                                     parse_data={"intent": parsed, "entities": entities or [], "text": text,
                                                 "intent_ranking": [parsed], "response_selector": selector}))

    def stuck(self, sender: str) -> None:
        from rasa.shared.core.events import SlotSet

        self.t += 2
        self.add(sender, SlotSet("guide_event", {"type": "step_stuck", "guide": "pin_reset", "step": "desk",
                                                 "times": 1, "channel": "rest"}, timestamp=self.t))

    def unhelpful(self, sender: str, entry: str) -> None:
        self.says(sender, f'/handoff_feedback{{"answer":"unhelpful","subtopic":"{entry}"}}', "handoff_feedback", 1.0,
                  entities=[{"entity": "answer", "value": "unhelpful"}, {"entity": "subtopic", "value": entry}])


def residents_day(tracker: Tracker) -> None:
    tracker.says("a", "猫の住民票はどこでもらえますか", "nlu_fallback", 0.2, ["fees/first_time", "apply_card/methods"])
    tracker.says("b", "カードの再発行はいくら？電話は090-1234-5678です", "fees", 0.9, ["fees/reissue"])
    tracker.unhelpful("b", "fees/reissue")
    tracker.says("c", "写真の背景は白じゃないとだめ？", "apply_photo", 0.42, ["apply_photo/rules"])
    tracker.says("d", "暗証番号を忘れた", "pin_forgotten_locked", 0.95, ["pin_forgotten_locked/forgotten_locked"])
    tracker.says("d", "わからない", "guide_stuck", 0.9, ["pin_forgotten_locked/forgotten_locked"])
    tracker.stuck("d")
    tracker.says("e", "海外に行ってもカードは使える？", "overseas_move", 0.93, ["overseas_move/overview"])
    tracker.says("e", "/human_help_request", "human_help_request", 1.0)
    tracker.says("f", "受取の持ち物は？", "receive_card", 0.97, ["receive_card/what_to_bring"])  # answered well
    tracker.says("g", "今日の天気は？", "out_of_scope", 0.9, ["out_of_scope/chitchat"])
