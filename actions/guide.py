"""Walks a resident through a guide one step at a time, and records each step for analytics.

State lives in slots: guide_id, guide_answers (branch answers), guide_question (a pending
branch question), guide_step (index into the steps the answers select), guide_stuck (「わからない」
on the current step). Every change is also recorded as a `guide_event` slot value
{type, guide, step, channel}, so analytics reads the step events from the tracker store:
guide_started, step_shown, step_done, step_stuck, guide_completed, guide_abandoned (reason
stop, handoff or replaced). A guide left without a reply is counted as abandoned by analytics
from the time of its last step_shown.
"""
# Longer than 300 lines: one state machine (questions, steps, stuck, back, stop) whose transitions read best together.
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import HUMAN_TOPIC, Answers, wants_easy
from assistant.knowledge.guides import Guide, Question, Step
from assistant.knowledge.retrieval import grams

GUIDE_SLOTS = ("guide_id", "guide_answers", "guide_question", "guide_step", "guide_stuck")
YES_WORDS = ("はい", "うん", "ある", "あります", "いる", "います", "持って", "もって", "ええ", "yes", "そう")
STALE_BUTTON = "そのボタンは前のご案内のものです。"
NO_WORDS = ("いいえ", "ない", "ありません", "いません", "無い", "なし", "いや", "no", "ちがう", "違う")


class GuideFlow:
    """The step-by-step conversation of a guide."""

    def __init__(self, answers: Answers) -> None:
        # Set by action_respond: opens a handoff (the second 「わからない」 on a step calls it).
        self.handoff_opener = None
        self.answers = answers
        self.knowledge = answers.knowledge

    # --- state -------------------------------------------------------------------------------
    def current(self, tracker: Tracker) -> Optional[Guide]:
        return self.knowledge.guides.get(tracker.get_slot("guide_id") or "")

    def active(self, tracker: Tracker) -> bool:
        return self.current(tracker) is not None

    @staticmethod
    def _answers(tracker: Tracker) -> Dict[str, str]:
        value = tracker.get_slot("guide_answers")
        return dict(value) if isinstance(value, dict) else {}

    @staticmethod
    def _event(kind: str, guide: Guide, tracker: Tracker, step: Optional[Step] = None, **extra: Any) -> Dict[str, Any]:
        data = {"type": kind, "guide": guide.id, "step": step.id if step else None,
                "channel": tracker.get_latest_input_channel() or "rest", **extra}
        return SlotSet("guide_event", data)

    @staticmethod
    def _clear() -> List[Dict[str, Any]]:
        return [SlotSet(name, None) for name in GUIDE_SLOTS]

    # --- buttons -----------------------------------------------------------------------------
    @staticmethod
    def start_button(guide: Guide) -> Dict[str, str]:
        return {"title": f"手順を見る：{guide.title}", "payload": f'/guide_start{{"guide":"{guide.id}"}}'}

    @staticmethod
    def resume_button() -> Dict[str, str]:
        return {"title": "続きから", "payload": "/guide_resume"}

    @staticmethod
    def at(guide: Guide, place: str) -> str:
        """The entities that tie a button to its guide and step (or branch question: "q:<id>")."""
        return f'{{"guide":"{guide.id}","step":"{place}"}}'

    @classmethod
    def step_buttons(cls, guide: Guide, step: Step) -> List[Dict[str, str]]:
        at = cls.at(guide, step.id)
        return [
            {"title": "できた", "payload": f"/guide_done{at}"},
            {"title": "わからない", "payload": f"/guide_stuck{at}"},
            {"title": "もう一度", "payload": f"/guide_repeat{at}"},
            {"title": "前に戻る", "payload": f"/guide_back{at}"},
            {"title": "職員に相談", "payload": f"/{HUMAN_TOPIC}{at}"},
            {"title": "やめる", "payload": f"/guide_stop{at}"},
        ]

    # --- messages ----------------------------------------------------------------------------
    def _step_text(self, guide: Guide, step: Step, index: int, total: int, answers: Dict[str, str],
                   easy: bool = False) -> str:
        lines = [f"手順 {index + 1}/{total}「{guide.title}」", step.easy if easy and step.easy else step.text]
        items = step.items(answers)
        if items:
            lines += [f"・{item}" for item in items]
        if step.prepare:
            lines.append("用意するもの：" + "、".join(step.prepare))
        if index + 1 == total:
            lines.append(self.answers.source_line(step))
        return "\n".join(lines)

    def _show_step(self, dispatcher, tracker, guide: Guide, answers: Dict[str, str], index: int,
                   prefix: Optional[str] = None) -> List[Dict[str, Any]]:
        steps = guide.steps_for(answers)
        index = max(0, min(index, len(steps) - 1))
        step = steps[index]
        easy = wants_easy(tracker) and bool(step.easy)
        text = self._step_text(guide, step, index, len(steps), answers, easy=easy)
        if easy and prefix:
            # The guide's introduction has no easy form: its own message, so that the step can say it is easy.
            dispatcher.utter_message(text=prefix)
            prefix = None
        dispatcher.utter_message(text=f"{prefix}\n{text}" if prefix else text, buttons=self.step_buttons(guide, step),
                                 json_message={"easy": True} if easy else None)
        return [SlotSet("guide_step", float(index)), SlotSet("guide_question", None),
                self._event("step_shown", guide, tracker, step, index=index + 1, total=len(steps))]

    def _ask(self, dispatcher, guide: Guide, question: Question, prefix: Optional[str] = None) -> List[Dict[str, Any]]:
        place = f'"guide":"{guide.id}","step":"q:{question.id}"'
        buttons = [{"title": o.label, "payload": f'/guide_answer{{{place},"answer":"{o.value}"}}'} for o in question.options]
        buttons += [{"title": "職員に相談", "payload": f'/{HUMAN_TOPIC}{{"guide":"{guide.id}"}}'},
                    {"title": "やめる", "payload": f"/guide_stop{{{place}}}"}]
        dispatcher.utter_message(text=f"{prefix}\n{question.text}" if prefix else question.text, buttons=buttons)
        return [SlotSet("guide_question", question.id)]

    def _next(self, dispatcher, tracker, guide: Guide, answers: Dict[str, str], prefix: Optional[str] = None):
        question = guide.next_question(answers)
        if question is not None:
            return self._ask(dispatcher, guide, question, prefix)
        return self._show_step(dispatcher, tracker, guide, answers, 0, prefix)

    # --- what the resident does --------------------------------------------------------------
    def start(self, dispatcher, tracker, guide_id: Optional[str]) -> List[Dict[str, Any]]:
        guide = self.knowledge.guides.get(guide_id or "")
        if guide is None:
            dispatcher.utter_message(text="その手順は見つかりませんでした。下の一覧から選んでください。",
                                     buttons=self.answers.menu_buttons())
            return []
        events: List[Dict[str, Any]] = []
        previous = self.current(tracker)
        if previous is not None:
            events.append(self._event("guide_abandoned", previous, tracker, reason="replaced"))
        events += self._clear()
        events += [SlotSet("guide_id", guide.id), SlotSet("guide_answers", {}), SlotSet("guide_stuck", 0.0),
                   self._event("guide_started", guide, tracker)]
        intro = f"「{guide.title}」の手順を、ひとつずつご案内します。" + (f"\n{guide.intro}" if guide.intro else "")
        return events + self._next(dispatcher, tracker, guide, {}, prefix=intro)

    def offer_or_start(self, dispatcher, tracker, topic_id: str, text: str) -> List[Dict[str, Any]]:
        """A "how do I" question: start the guide that fits; ask when several fit equally."""
        guides = self.knowledge.guides_for(topic_id)
        query = set(grams(self.answers.normalizer(text)))
        scored = sorted(((len(query & set(grams(g.title))), g) for g in guides), key=lambda p: -p[0])
        if len(scored) == 1 or scored[0][0] > scored[1][0]:
            return self.start(dispatcher, tracker, scored[0][1].id)
        dispatcher.utter_message(text="どの手順をご案内しましょうか？", buttons=[self.start_button(g) for _, g in scored[:4]])
        return [SlotSet("last_topic", topic_id)]

    def match_option(self, question: Question, text: str) -> Optional[str]:
        """The option a free-text reply means, if it clearly means one."""
        normalized = self.answers.normalizer(text)
        for option in sorted(question.options, key=lambda o: -len(o.label)):
            if option.label in normalized or normalized == option.value.lower():
                return option.value
        # A part of a label in the text: 「家の外でなくしました」 -> 家の外・盗まれた.
        parts = [
            (len(part), option.value)
            for option in question.options
            for part in re.split(r"[・、（）()／/ ]", self.answers.normalizer(option.label))
            if len(part) >= 2 and part in normalized
        ]
        if parts:
            return max(parts)[1]
        values = {o.value for o in question.options}
        if {"yes", "no"} <= values:
            if any(w in normalized for w in NO_WORDS):
                return "no"
            if any(w in normalized for w in YES_WORDS):
                return "yes"
        best, best_score = None, 0.0
        query = set(grams(normalized))
        for option in question.options:
            label = set(grams(self.answers.normalizer(option.label)))
            score = len(query & label) / max(len(label), 1)
            if score > best_score:
                best, best_score = option.value, score
        return best if best_score >= 0.5 else None

    def pending_answer(self, tracker: Tracker) -> Optional[str]:
        """The option meant by free text while a branch question waits for an answer."""
        guide = self.current(tracker)
        question = guide.question(tracker.get_slot("guide_question") or "") if guide else None
        if question is None:
            return None
        return self.match_option(question, (tracker.latest_message or {}).get("text") or "")

    def answer(self, dispatcher, tracker, value: Optional[str]) -> List[Dict[str, Any]]:
        guide = self.current(tracker)
        question = guide.question(tracker.get_slot("guide_question") or "") if guide else None
        if guide is None or question is None:
            return self.not_in_guide(dispatcher)
        if value is None or question.option(value) is None:
            return self._ask(dispatcher, guide, question, prefix="ボタンから選んでください。")
        answers = guide.answer(self._answers(tracker), question, value)
        return [SlotSet("guide_answers", answers)] + self._next(dispatcher, tracker, guide, answers)

    def _position(self, tracker: Tracker) -> Tuple[Optional[Guide], Dict[str, str], int]:
        guide = self.current(tracker)
        return guide, self._answers(tracker), int(tracker.get_slot("guide_step") or 0)

    def _current_step(self, tracker: Tracker, guide: Guide, answers: Dict[str, str], index: int) -> Tuple[Optional[Step], int]:
        """The step on screen (None while a branch question waits) and how many steps there are."""
        steps = guide.steps_for(answers)
        if tracker.get_slot("guide_question"):
            return None, len(steps)
        return steps[min(index, len(steps) - 1)], len(steps)

    def done(self, dispatcher, tracker) -> List[Dict[str, Any]]:
        guide, answers, index = self._position(tracker)
        if guide is None:
            return self.not_in_guide(dispatcher)
        if tracker.get_slot("guide_question"):
            return self.resume(dispatcher, tracker, prefix="先に、次の質問に答えてください。")
        steps = guide.steps_for(answers)
        events = [self._event("step_done", guide, tracker, steps[index]), SlotSet("guide_stuck", 0.0)]
        if index + 1 >= len(steps):
            events.append(self._event("guide_completed", guide, tracker))
            dispatcher.utter_message(
                text=f"これで「{guide.title}」の手順はおしまいです。おつかれさまでした。",
                buttons=[self.answers.topic_button(guide.topics[0]), {"title": "ほかの質問", "payload": "/greeting"}],
            )
            return events + self._clear()
        return events + self._show_step(dispatcher, tracker, guide, answers, index + 1)

    def stuck(self, dispatcher, tracker) -> List[Dict[str, Any]]:
        guide, answers, index = self._position(tracker)
        if guide is None:
            return self.stuck_after_answer(dispatcher, tracker)
        if tracker.get_slot("guide_question"):
            return self.resume(dispatcher, tracker, prefix="近いものを選んでください。わからないときは「職員に相談」を押してください。")
        step = guide.steps_for(answers)[index]
        times = int(tracker.get_slot("guide_stuck") or 0) + 1
        events = [SlotSet("guide_stuck", float(times)), self._event("step_stuck", guide, tracker, step, times=times)]
        if times >= 2 and self.handoff_opener is not None:
            # The second 「わからない」 on a step: a person takes over, told which guide and step.
            where = self.where(tracker)
            leave, line = self.handoff(tracker)
            return events + leave + self.handoff_opener(dispatcher, tracker, reason="guide_stuck", prefix=line, **where)
        if times >= 2:
            dispatcher.utter_message(
                text=f"この手順（{index + 1}番目）は、職員がお手伝いできます。職員に相談しますか？",
                buttons=[
                    {"title": "職員に相談", "payload": f"/{HUMAN_TOPIC}{self.at(guide, step.id)}"},
                    {"title": "もう一度", "payload": f"/guide_repeat{self.at(guide, step.id)}"},
                    {"title": "やめる", "payload": f"/guide_stop{self.at(guide, step.id)}"},
                ],
            )
            return events
        help_text = step.hint or step.easy or "ゆっくりで大丈夫です。もう一度読んでみてください。"
        dispatcher.utter_message(text=f"ヒント：{help_text}", buttons=self.step_buttons(guide, step))
        return events

    def repeat(self, dispatcher, tracker) -> List[Dict[str, Any]]:
        return self.resume(dispatcher, tracker)

    def back(self, dispatcher, tracker) -> List[Dict[str, Any]]:
        guide, answers, index = self._position(tracker)
        if guide is None:
            return self.not_in_guide(dispatcher)
        if index == 0:
            return [SlotSet("guide_stuck", 0.0)] + self._show_step(dispatcher, tracker, guide, answers, 0, prefix="これが最初の手順です。")
        return [SlotSet("guide_stuck", 0.0)] + self._show_step(dispatcher, tracker, guide, answers, index - 1)

    def stop(self, dispatcher, tracker, reason: str = "stop") -> List[Dict[str, Any]]:
        guide, answers, index = self._position(tracker)
        if guide is None:
            return self.not_in_guide(dispatcher)
        step, _ = self._current_step(tracker, guide, answers, index)
        events = [self._event("guide_abandoned", guide, tracker, step, reason=reason)] + self._clear()
        if reason == "stop":
            dispatcher.utter_message(
                text=f"「{guide.title}」のご案内を終わります。ほかに知りたいことがあれば、入力するか下から選んでください。",
                buttons=self.answers.menu_buttons(),
            )
        return events

    def resume(self, dispatcher, tracker, prefix: Optional[str] = None) -> List[Dict[str, Any]]:
        guide, answers, index = self._position(tracker)
        if guide is None:
            return self.not_in_guide(dispatcher)
        question = guide.question(tracker.get_slot("guide_question") or "")
        if question is not None:
            return self._ask(dispatcher, guide, question, prefix)
        return self._show_step(dispatcher, tracker, guide, answers, index, prefix)

    def is_stale(self, tracker, guide_id: Optional[str], place: Optional[str]) -> bool:
        """True when a button names a guide or step other than where the resident is now
        (a できた or わからない pressed on an older message). Typed commands name none."""
        if not guide_id and not place:
            return False
        guide, answers, index = self._position(tracker)
        if guide is None or guide.id != guide_id:
            return True
        question = tracker.get_slot("guide_question")
        if question:
            return place != f"q:{question}"
        step, _ = self._current_step(tracker, guide, answers, index)
        return step is None or step.id != place

    def where_now(self, dispatcher, tracker) -> List[Dict[str, Any]]:
        """The answer to an older message's button: where the resident is now, nothing moved or counted."""
        if self.current(tracker) is None:
            dispatcher.utter_message(
                text=f"{STALE_BUTTON}いまは手順のご案内をしていません。知りたいことを入力するか、下から選んでください。",
                buttons=self.answers.menu_buttons(),
            )
            return []
        return self.resume(dispatcher, tracker, prefix=f"{STALE_BUTTON}いまの手順はこちらです。")

    def where(self, tracker) -> Dict[str, Any]:
        """Guide, 1-based step and the step's first words, for the handoff record (empty outside a guide)."""
        guide, answers, index = self._position(tracker)
        if guide is None:
            return {}
        step, _ = self._current_step(tracker, guide, answers, index)
        title = (step.text.split("。")[0][:60] if step else "最初の質問")
        return {"topic": guide.topics[0] if guide.topics else None, "guide_id": guide.id,
                "step_no": index + 1 if step else None, "step_title": title}

    def handoff(self, tracker) -> Tuple[List[Dict[str, Any]], Optional[str]]:
        """Leaving the guide for a person: the events, and a line naming the guide and step."""
        guide, answers, index = self._position(tracker)
        if guide is None:
            return [], None
        step, total = self._current_step(tracker, guide, answers, index)
        where = f"「{guide.title}」の手順 {index + 1}/{total}" if step else f"「{guide.title}」の最初の質問"
        return self.stop(None, tracker, reason="handoff"), f"{where}でお困りのことを、職員にお伝えください。"

    def stuck_after_answer(self, dispatcher, tracker) -> List[Dict[str, Any]]:
        """「わからない」 with no guide running: the steps of the last answer's topic, a person, the phone number."""
        if not tracker.get_slot("last_entry"):
            return self.not_in_guide(dispatcher)  # nothing was answered that could be unclear
        knowledge = self.answers.knowledge
        guides = knowledge.guides_for(tracker.get_slot("last_topic") or "")
        buttons = [self.start_button(g) for g in guides[:1]] + self.answers.person_buttons()
        steps = "順番にご案内することも、" if guides else ""
        dispatcher.utter_message(
            text=f"わかりにくくて、すみません。{steps}職員がお答えすることもできます。知りたいことを短く書いていただいても大丈夫です。",
            buttons=buttons + self.answers.menu_buttons()[: 6 - len(buttons)],
        )
        return []

    def not_in_guide(self, dispatcher) -> List[Dict[str, Any]]:
        dispatcher.utter_message(
            text="いまは手順のご案内をしていません。知りたいことを入力するか、下から選んでください。",
            buttons=self.answers.menu_buttons(),
        )
        return []
