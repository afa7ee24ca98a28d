"""Step-by-step guides (knowledge/guides/*.yml): loading, validation, and which steps a resident's answers select."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

from assistant.knowledge.currency import Currency, Sourced
from assistant.knowledge.fields import (KnowledgeError, easy_text, fill, one_sentence_a_line, read_named_file,
                                        required_text)

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_OPTION_LABEL = 16

Answers = Mapping[str, str]
Condition = Mapping[str, Tuple[str, ...]]


@dataclass(frozen=True)
class Conditional:
    """A question, checklist item or step that applies only to the answers its `when` accepts."""

    when: Condition

    def applies(self, answers: Answers) -> bool:
        """AND over the questions, OR within each question's accepted values."""
        return all(answers.get(question) in values for question, values in self.when.items())


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    implies: Tuple[Tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Question(Conditional):
    id: str
    text: str
    options: Tuple[Option, ...]

    def option(self, value: str) -> Optional[Option]:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class ChecklistItem(Conditional):
    text: str


@dataclass(frozen=True)
class Step(Sourced, Conditional):
    id: str
    text: str
    easy: str
    hint: str
    prepare: Tuple[str, ...]
    checklist: Tuple[ChecklistItem, ...]
    currency: Currency  # the guide's, unless the step names its own source, checked or review_by

    def items(self, answers: Answers) -> List[str]:
        """The checklist items that apply to these answers (exactly the things to bring)."""
        return [item.text for item in self.checklist if item.applies(answers)]


@dataclass(frozen=True)
class Guide:
    id: str
    title: str
    topics: Tuple[str, ...]
    intro: str
    questions: Tuple[Question, ...]
    steps: Tuple[Step, ...]
    path: Path
    currency: Currency
    # The entries whose question the guide answers step by step (`topic/entry`); none named: its topics' default entries.
    walks_through: Tuple[str, ...] = ()

    def question(self, question_id: str) -> Optional[Question]:
        return next((q for q in self.questions if q.id == question_id), None)

    def next_question(self, answers: Answers) -> Optional[Question]:
        """The first question not yet answered that applies to the answers so far."""
        for question in self.questions:
            if question.id not in answers and question.applies(answers):
                return question
        return None

    def answer(self, answers: Answers, question: Question, value: str) -> Dict[str, str]:
        """The answers after choosing value (with what that option implies)."""
        option = question.option(value)
        if option is None:
            raise ValueError(f"{value!r} is not an option of {question.id}")
        result = dict(answers)
        result[question.id] = value
        result.update(dict(option.implies))
        return result

    def steps_for(self, answers: Answers) -> List[Step]:
        return [s for s in self.steps if s.applies(answers)]

    def answer_paths(self) -> Iterator[Dict[str, str]]:
        """Every complete set of answers a resident can give."""

        def walk(answers: Dict[str, str]) -> Iterator[Dict[str, str]]:
            question = self.next_question(answers)
            if question is None:
                yield answers
                return
            for option in question.options:
                yield from walk(self.answer(answers, question, option.value))

        yield from walk({})


def _condition(raw: Any, path: Path, key: str, questions: Dict[str, Tuple[str, ...]]) -> Condition:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise KnowledgeError(path, key, "expected a mapping question -> [values]")
    condition = {}
    for question, values in raw.items():
        if question not in questions:
            raise KnowledgeError(path, key, f"unknown question {question!r}")
        values = tuple(str(v) for v in (values if isinstance(values, list) else [values]))
        unknown = [v for v in values if v not in questions[question]]
        if unknown:
            raise KnowledgeError(path, key, f"{question} has no option {', '.join(unknown)}")
        condition[question] = values
    return condition


def _optional_text(raw: Dict[str, Any], name: str, profile: SimpleNamespace, path: Path, key: str) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(path, key, "expected text")
    return one_sentence_a_line(fill(" ".join(value.split()), profile, path, key))


def load_guide(path: Path, profile: SimpleNamespace, topic_ids: List[str]) -> Guide:
    data, guide_id = read_named_file(path, "id")
    title = required_text(data, "title", path, "")
    topics = data.get("topics")
    if not isinstance(topics, list) or not topics:
        raise KnowledgeError(path, "topics", "expected a list of topic ids")
    for index, topic in enumerate(topics):
        if topic not in topic_ids:
            raise KnowledgeError(path, f"topics[{index}]", f"unknown topic {topic!r}")
    currency = Currency.read(data, path, "")
    intro = _optional_text(data, "intro", profile, path, "intro")

    raw_questions = data.get("questions") or []
    if not isinstance(raw_questions, list):
        raise KnowledgeError(path, "questions", "expected a list")
    values_of: Dict[str, Tuple[str, ...]] = {}
    for index, raw in enumerate(raw_questions):
        if not isinstance(raw, dict) or not isinstance(raw.get("options"), list) or len(raw["options"]) < 2:
            raise KnowledgeError(path, f"questions[{index}]", "expected id, text and at least two options")
        qid = required_text(raw, "id", path, f"questions[{index}].")
        if qid in values_of:
            raise KnowledgeError(path, f"questions[{index}].id", f"duplicate question id {qid!r}")
        values_of[qid] = tuple(str(o.get("value")) for o in raw["options"] if isinstance(o, dict))
    questions = []
    for index, raw in enumerate(raw_questions):
        where = f"questions[{index}]"
        options = []
        for o_index, option in enumerate(raw["options"]):
            okey = f"{where}.options[{o_index}]"
            if not isinstance(option, dict):
                raise KnowledgeError(path, okey, "expected value and label")
            label = required_text(option, "label", path, f"{okey}.")
            if len(label) > _MAX_OPTION_LABEL:
                raise KnowledgeError(path, f"{okey}.label", f"longer than {_MAX_OPTION_LABEL} characters")
            implies = _condition(option.get("implies"), path, f"{okey}.implies", values_of)
            if any(len(v) != 1 for v in implies.values()):
                raise KnowledgeError(path, f"{okey}.implies", "each implied question takes one value")
            options.append(Option(str(option.get("value")), label, tuple((q, v[0]) for q, v in implies.items())))
        questions.append(Question(
            id=str(raw["id"]), text=required_text(raw, "text", path, f"{where}."), options=tuple(options),
            when=_condition(raw.get("when"), path, f"{where}.when", values_of),
        ))

    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise KnowledgeError(path, "steps", "expected a non-empty list")
    steps = []
    seen = set()
    for index, raw in enumerate(raw_steps):
        where = f"steps[{index}]"
        if not isinstance(raw, dict):
            raise KnowledgeError(path, where, "expected a mapping")
        step_id = required_text(raw, "id", path, f"{where}.")
        if not _ID_RE.match(step_id) or step_id in seen:
            raise KnowledgeError(path, f"{where}.id", f"{step_id!r} must be a unique snake_case id")
        seen.add(step_id)
        prepare = raw.get("prepare") or []
        if not isinstance(prepare, list) or not all(isinstance(p, str) for p in prepare):
            raise KnowledgeError(path, f"{where}.prepare", "expected a list of texts")
        checklist = []
        for c_index, item in enumerate(raw.get("checklist") or []):
            ckey = f"{where}.checklist[{c_index}]"
            if not isinstance(item, dict):
                raise KnowledgeError(path, ckey, "expected item and when")
            checklist.append(ChecklistItem(
                text=fill(required_text(item, "item", path, f"{ckey}."), profile, path, f"{ckey}.item"),
                when=_condition(item.get("when"), path, f"{ckey}.when", values_of),
            ))
        steps.append(Step(
            id=step_id,
            text=one_sentence_a_line(fill(" ".join(required_text(raw, "text", path, f"{where}.").split()), profile, path, f"{where}.text")),
            easy=one_sentence_a_line(fill(" ".join(easy_text(raw, "easy", path, f"{where}.").split()), profile, path,
                                           f"{where}.easy")),
            hint=_optional_text(raw, "hint", profile, path, f"{where}.hint"),
            prepare=tuple(fill(p, profile, path, f"{where}.prepare") for p in prepare),
            checklist=tuple(checklist),
            when=_condition(raw.get("when"), path, f"{where}.when", values_of),
            currency=Currency.read(raw, path, f"{where}.", inherited=currency),
        ))
    walks = data.get("walks_through") or []
    if not isinstance(walks, list) or not all(isinstance(k, str) and k.split("/", 1)[0] in topics for k in walks):
        raise KnowledgeError(path, "walks_through", "expected a list of topic/entry ids of the guide's topics")
    guide = Guide(guide_id, title, tuple(topics), intro, tuple(questions), tuple(steps), path, currency, tuple(walks))
    _check_branches(guide)
    return guide


def _check_branches(guide: Guide) -> None:
    """Every branch leads to at least one step, and every step is on some branch."""
    reached = set()
    for answers in guide.answer_paths():
        steps = guide.steps_for(answers)
        if not steps:
            chosen = ", ".join(f"{q}={v}" for q, v in answers.items())
            raise KnowledgeError(guide.path, "steps", f"no step for the answers {chosen}")
        reached.update(s.id for s in steps)
    for index, step in enumerate(guide.steps):
        if step.id not in reached:
            raise KnowledgeError(guide.path, f"steps[{index}].when", f"step {step.id!r} is on no branch")


def load_guides(folder: Path, profile: SimpleNamespace, topic_ids: List[str]) -> Dict[str, Guide]:
    guides = {}
    for path in sorted(Path(folder).glob("*.yml")):
        guide = load_guide(path, profile, topic_ids)
        guides[guide.id] = guide
    return guides
