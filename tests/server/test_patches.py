"""The patches to Rasa: each listed with its Rasa version, refused on another Rasa or a changed signature,
reverted exactly, and giving Rasa's own result on real inputs (then Rasa is left unpatched)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import rasa
from jsonschema import ValidationError

import assistant.server.patches as patches
from assistant.server.patches.base import PatchRefused, resolve, signature_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def unpatched():
    """Every test starts and ends with Rasa's own code."""
    assert not any(p.active for p in patches.applied())
    yield
    patches.revert_all()
    assert not any(p.active for p in patches.applied())


def test_every_patch_is_listed_with_the_pinned_rasa_version():
    pinned = re.search(r'"rasa\[spacy\]==([\d.]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    listed = patches.applied()
    assert [p.name for p in listed] == list(patches.SERVER)
    assert {p.rasa for p in listed} == {pinned} == {rasa.__version__}
    assert set(patches.WORKER) <= set(patches.SERVER)
    assert all(p.what and p.replaces for p in listed)
    files = {f.stem for f in (ROOT / "assistant" / "server" / "patches").glob("*.py")} - {"__init__", "base"}
    assert files == set(patches.SERVER)  # a module that is not applied is no patch


@pytest.mark.parametrize("name", patches.SERVER)
def test_the_targets_have_the_signatures_the_patch_was_written_for(name):
    swap = patches.module(name).SWAP
    for path, expected in swap.signatures.items():
        assert signature_of(path) == expected, f"{name}: {path} changed: compare the patch with Rasa's new code"


def test_a_changed_signature_is_refused_naming_the_patch(monkeypatch):
    from rasa.core.actions.action import RemoteAction

    monkeypatch.setattr(RemoteAction, "_validate_action_result", lambda self, result, strict: True)
    with pytest.raises(PatchRefused, match=r"patch action_validation: .*_validate_action_result changed signature"):
        patches.apply_all()
    assert not any(p.active for p in patches.applied())  # all or nothing


def test_another_rasa_version_is_refused_naming_the_patch(monkeypatch):
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(PatchRefused, match=r"patch action_validation was written for Rasa 3\.6\.21, but Rasa 3\.7\.0"):
        patches.apply_all()
    assert not any(p.active for p in patches.applied())


def test_madoguchi_serve_does_not_start_on_another_rasa(monkeypatch):
    """`madoguchi serve` and the launcher's `python -m assistant.server.serve` share serve.main."""
    from assistant.cli import main

    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    monkeypatch.setenv("MADOGUCHI_API_TOKEN", "t")
    monkeypatch.setattr(sys, "argv", list(sys.argv))  # serve.main hands its arguments to `rasa run` in sys.argv
    with pytest.raises(SystemExit, match=r"does not start: patch action_validation was written for Rasa 3\.6\.21"):
        main(["serve", "--model", "models/current.tar.gz", "--port", "1"])


@pytest.mark.parametrize("name", patches.SERVER)
def test_apply_and_revert_put_back_the_very_same_objects(name):
    patch = patches.module(name)
    paths = list(patch.SWAP.signatures)
    before = {}
    for path in paths:
        owner, attribute = resolve(path)
        before[path] = vars(owner).get(attribute)
    patch.apply()
    owner, attribute = resolve(patch.TARGET)
    assert vars(owner)[attribute] is not before[patch.TARGET]
    patch.apply()  # twice changes nothing
    patch.revert()
    for path in paths:
        owner, attribute = resolve(path)
        assert vars(owner).get(attribute) is before[path]


# --- each patch against Rasa's own result ------------------------------------------------

ACTION_RESULTS = [
    {"events": [], "responses": [{"text": "はい"}]},
    {"events": [{"event": "slot", "name": "topic", "value": "fees"}, {"event": "bot", "text": "x"}],
     "responses": [{"text": "手数料は無料です。", "buttons": [{"title": "戻る", "payload": "/menu"}]}]},
    {},
    {"events": "not a list"},
    {"events": [{"event": "slot", "name": "topic"}]},  # a slot without a value
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"text": "no event name"}]},
    {"responses": ["not an object"]},
    {"events": [{"event": "user", "parse_data": {"intent": {"name": 3}}}]},
    {"events": [], "responses": [], "extra": 1},
    {"events": [{"event": "slot", "name": "topic", "value": 1, "timestamp": "yesterday"}]},
    {"events": [{"event": "entities"}]},  # an entities event without its entities
    {"events": ["not an object"]},
    {"events": [{"event": "user", "text": "カード", "parse_data": {"intent": {"name": "fees", "confidence": 0.9}}},
                {"event": "action", "name": "action_listen", "metadata": None}]},
]


def outcome(call, *args):
    try:
        return ("returns", call(*args))
    except (ValidationError, ValueError) as error:
        return ("raises", type(error).__name__, getattr(error, "message", str(error)))


def test_action_answers_are_validated_as_rasa_does():
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_respond", None)
    theirs = [outcome(action._validate_action_result, r) for r in ACTION_RESULTS]
    patches.module("action_validation").apply()
    ours = [outcome(action._validate_action_result, r) for r in ACTION_RESULTS]
    assert ours == theirs
    assert sum(o[0] == "raises" for o in ours) == 9


def test_each_event_checked_against_its_own_kind_passes_what_the_whole_schema_passes():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    from assistant.server.patches.action_validation import by_event_name

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    quick = by_event_name(schema, cls)
    assert quick is not None
    assert [quick(r) for r in ACTION_RESULTS] == [cls(schema).is_valid(r) for r in ACTION_RESULTS]
    assert by_event_name({"properties": {"events": {"items": {"oneOf": [{"properties": {}}]}}}}, cls) is None


def test_event_classes_are_found_as_rasa_finds_them():
    import rasa.shared.utils.common
    from rasa.shared.core.events import ActionExecuted, Event

    names = sorted({cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)})
    calls = [(n,) for n in names] + [("topic",), ("no_such_event", ActionExecuted), ("no_such_event",), ("",)]
    theirs = [outcome(Event.resolve_by_type, *c) for c in calls]
    patches.module("event_types").apply()
    ours = [outcome(Event.resolve_by_type, *c) for c in calls] + [outcome(Event.resolve_by_type, *c) for c in calls]
    assert ours == theirs + theirs
    assert len(names) > 20


async def test_a_tracker_store_that_fails_raises_instead_of_answering_from_memory(tmp_path, monkeypatch):
    import sqlalchemy as sa
    from rasa.core.agent import Agent
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from assistant.server import stores

    monkeypatch.setattr(stores, "RETRY_DELAYS", ())
    store = stores.RetryingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    tracker = DialogueStateTracker.from_events("s1", [UserUttered("マイナカード")])
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE events"))  # the database lost its table: every read and write fails

    rasas = Agent._create_tracker_store(store, Domain.empty())
    assert await rasas.retrieve("s1") is None  # Rasa: an empty conversation, as if the resident were new
    await rasas.save(tracker)
    assert (await rasas.fallback_tracker_store.retrieve("s1")).events == tracker.events  # kept in memory only

    patches.module("failsafe_store").apply()
    ours = Agent._create_tracker_store(store, Domain.empty())
    assert isinstance(ours, type(rasas))
    for call in (ours.retrieve("s1"), ours.retrieve_full_tracker("s1"), ours.save(tracker)):
        with pytest.raises(stores.TrackerStoreUnavailable):
            await call
    assert ours._fallback_tracker_store is None
