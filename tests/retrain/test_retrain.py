"""`madoguchi retrain` and `rollback`: a candidate that lowers accuracy never goes live; one that holds goes live on
the running server (its replies then come from the new model) and the previous one can be put back."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from assistant.retrain.shelf import Busy, Shelf
from assistant.server.model_swap import SwapError, server_urls, swap_servers
from assistant.settings import PROJECT_ROOT, Settings, SettingsError
from tests.conftest import ARTIFACTS, MODEL, free_port
from tests.helpers.models import OfflineRetrain, metadata_only_model

# A made-up word no training example has, taught in reviewed examples to one entry; the message has no other clue.
NEW_WORD_ENTRY = "card_return/voluntary"
NEW_WORD_EXAMPLES = [f"ぽんぽこぴー{tail}" for tail in (
    "", "したい", "について", "のこと", "をお願いします", "ってどうやるの", "の手続き", "はどこで", "を教えて",
    "したいんですが", "はできますか", "の方法", "って何", "を頼みたい", "がしたい", "のやり方", "はいつ", "ってできる？")]
NEW_WORD_MESSAGE = "ぽんぽこぴーのことで聞きたいです"


def reviewed_file(folder: Path, pairs) -> None:
    """nlu_data/reviewed/<file>.yml as `madoguchi nlu reviewed` writes it: retrieval intents `topic/entry`."""
    by_label = {}
    for text, label in pairs:
        by_label.setdefault(label, []).append(text)
    blocks = [{"intent": label, "examples": "".join(f"- {t}\n" for t in texts)} for label, texts in by_label.items()]
    (folder / "reviewed").mkdir(exist_ok=True)
    (folder / "reviewed" / "test.yml").write_text(
        yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True, sort_keys=False), encoding="utf-8")


def mislabelled(data: Path):
    """Every entry example again, slightly reworded and labelled with the next entry of the list: wrong on purpose.
    (All of them: with only a third of the entries, or of the examples, mislabelled, the candidate lost at most one
    of the 185 messages the test scores, too close to the 0.5-point limit for a test.)"""
    from bench.understanding import training_examples

    pairs = [(text, label) for text, label in training_examples(data / "entries") if "/" in label]
    labels = sorted({label for _, label in pairs})
    wrong = {label: labels[(i + 1) % len(labels)] for i, label in enumerate(labels)}
    return [(f"{text}ね", wrong[label]) for text, label in pairs]


# --- without a model ----------------------------------------------------------------------------
def test_servers_and_allowed_drop_come_from_the_settings():
    assert server_urls({}) == ("http://127.0.0.1:5005",)
    assert server_urls({"MADOGUCHI_RASA_URL": "http://a:5005/"}) == ("http://a:5005",)
    assert server_urls({"MADOGUCHI_RASA_URLS": "http://a:5005, http://b:5005", "MADOGUCHI_RASA_URL": "http://c"}) == (
        "http://a:5005", "http://b:5005")
    with pytest.raises(SettingsError):
        server_urls({"MADOGUCHI_RASA_URLS": "a:5005"})
    assert Settings.from_env({}).retrain_max_drop == 0.5
    assert Settings.from_env({"MADOGUCHI_RETRAIN_MAX_DROP": "1.5"}).retrain_max_drop == 1.5
    with pytest.raises(SettingsError):
        Settings.from_env({"MADOGUCHI_RETRAIN_MAX_DROP": "half"})


def test_the_shelf_keeps_the_previous_model_and_lets_one_retrain_run(tmp_path):
    shelf = Shelf(tmp_path)
    shelf.current.write_bytes(b"first")
    second = tmp_path / "second.tar.gz"
    second.write_bytes(b"second")
    dated = shelf.dated_copy(second, "abc123")
    assert dated.parent == shelf.history and dated != shelf.dated_copy(second, "abc123")  # never the same path
    shelf.promote(dated)
    assert shelf.current.read_bytes() == b"second" and shelf.previous.read_bytes() == b"first"
    with shelf.locked():
        with pytest.raises(Busy):
            with shelf.locked():
                pass


def test_reviewed_examples_that_repeat_the_frozen_set_are_refused_before_training(tmp_path, capsys):
    from assistant.cli import main
    from bench.understanding import independent_cases

    data = tmp_path / "nlu_data"
    shutil.copytree(PROJECT_ROOT / "nlu_data" / "entries", data / "entries")
    case = next(c for c in independent_cases() if "\n" not in c.text)
    reviewed_file(data, [(case.text, case.expected[0])])
    shelf = Shelf(tmp_path / "models")
    shelf.folder.mkdir()
    shelf.current.write_bytes(b"the live model")

    assert main(["retrain", "--data", str(data), "--models", str(shelf.folder)]) == 2
    assert "repeat messages of the frozen evaluation set" in capsys.readouterr().err
    assert not shelf.candidate_dir.exists() and shelf.current.read_bytes() == b"the live model"


def test_the_shelf_keeps_each_models_training_fingerprint_beside_it(tmp_path):
    shelf = Shelf(tmp_path)
    for name, print_ in (("a", "fp-a"), ("b", "fp-b"), ("c", None)):
        model = metadata_only_model(tmp_path / f"{name}.tar.gz", name)
        shelf.promote(shelf.dated_copy(model, name), print_)
        if name == "b":
            assert shelf.recorded(shelf.current_fingerprint) == "fp-b"
            assert shelf.recorded(shelf.previous_fingerprint) == "fp-a"
    assert shelf.recorded(shelf.current_fingerprint) is None  # a model of unknown origin: no stale fingerprint
    assert shelf.recorded(shelf.previous_fingerprint) == "fp-b"


def test_a_retrain_with_nothing_changed_does_nothing_unless_forced(tmp_path, monkeypatch, capsys):
    """The first retrain goes live (the gate passed, no server running) and records what it was trained from;
    the next one with the same data and config skips training; --force, new examples or a new config train."""
    from assistant.cli import main
    from assistant.retrain import gate
    from assistant.retrain.fingerprint import fingerprint

    passed = gate.Verdict(gate.Figures(1, 1.0, 1.0, 0, 0), gate.Figures(1, 1.0, 1.0, 0, 0), 0.5, understanding="")
    run = OfflineRetrain(tmp_path, monkeypatch, lambda *a, **k: passed, "test-token-fingerprint")
    data, config, shelf, trained, command = run.data, run.config, run.shelf, run.trained, run.command

    assert main(command) == 0 and len(trained) == 1  # the live model's origin was unknown
    assert shelf.recorded(shelf.current_fingerprint) == trained[0] == fingerprint(config, data)
    capsys.readouterr()
    assert main(command) == 0 and len(trained) == 1
    assert "nothing to do" in capsys.readouterr().out
    (data / "reviewed").mkdir()
    (data / "reviewed" / "reviewed_by.csv").write_text("intent,text,labelled_by,labelled_at\n", encoding="utf-8")
    assert main(command) == 0 and len(trained) == 1  # who labelled what is not training data
    assert main(command + ["--force"]) == 0 and len(trained) == 2
    reviewed_file(data, [(NEW_WORD_EXAMPLES[0], NEW_WORD_ENTRY)])
    assert main(command) == 0 and len(trained) == 3
    config.write_text(config.read_text(encoding="utf-8") + "\n# tuned\n", encoding="utf-8")
    assert main(command) == 0 and len(trained) == 4
    assert main(command) == 0 and len(trained) == 4
    assert main(["rollback", "--models", str(shelf.folder)]) == 0  # the model before the config change comes back
    assert shelf.recorded(shelf.current_fingerprint) == trained[2]
    assert main(command) == 0 and len(trained) == 5


# --- with the real model: a running server and the gate ---------------------------------------
@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A copy of the live model in its own models folder, served by a running stack (with its NLU worker)."""
    from assistant.launcher import Stack
    from tests.conftest import Assistant, always_open_knowledge

    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train`")
    folder = tmp_path_factory.mktemp("retrain")
    shelf = Shelf(folder / "models")
    shelf.folder.mkdir()
    shutil.copyfile(MODEL, shelf.current)
    data_dir = folder / "data"
    stack = Stack(model=shelf.current, data_dir=data_dir, rasa_port=free_port(), action_port=free_port(),
                  console_port=free_port(), log_dir=folder / "logs",
                  extra_env={"MADOGUCHI_KNOWLEDGE_DIR": str(always_open_knowledge(folder)), "MADOGUCHI_NLU_WORKERS": "1"})
    stack.start(timeout=300)
    from bench.load import wait_for_nlu_workers

    wait_for_nlu_workers([stack])  # the worker parses residents' messages before the swap
    client = Assistant(stack.url, stack.token, data_dir)
    client.shelf, client.folder, client.stack = shelf, folder, stack
    yield client
    stack.stop()


def retrain(live, data: Path, *args: str, max_drop: str = "0.5") -> subprocess.CompletedProcess:
    env = dict(os.environ, MADOGUCHI_RASA_URLS=live.url, MADOGUCHI_API_TOKEN=live.token,
               MADOGUCHI_DATA_DIR=str(live.data_dir), MADOGUCHI_RETRAIN_MAX_DROP=max_drop)
    run = subprocess.run([sys.executable, "-m", "assistant.cli", *args, "--models", str(live.shelf.folder),
                          *(["--data", str(data)] if data else [])],
                         cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1800)
    ARTIFACTS.mkdir(exist_ok=True)  # what a city would read in its log
    (ARTIFACTS / f"{args[0]}-{data.name if data else 'models'}.txt").write_text(run.stdout + run.stderr, encoding="utf-8")
    return run


def training_copy(live, name: str) -> Path:
    data = live.folder / name
    shutil.copytree(PROJECT_ROOT / "nlu_data", data)
    shutil.rmtree(data / "reviewed", ignore_errors=True)  # only this test's reviewed examples
    return data


def serving(live) -> str:
    """The model_id the running server reports."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{live.url}/status?token={live.token}", timeout=30) as resp:
        return json.loads(resp.read())["model_id"]


def parsed_by_workers(live) -> int:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{live.url}/webhooks/rest/", timeout=30) as resp:
        return json.loads(resp.read())["parsed_by_workers"]


def answered(live, text: str):
    sender = f"r-{uuid.uuid4().hex}"
    live.send(sender, text)
    slots = live.tracker(sender)["slots"]
    return f"{slots['last_topic']}/{slots['last_entry']}" if slots.get("last_entry") else None


@pytest.mark.model
def test_a_server_that_is_not_running_is_skipped_and_a_wrong_token_refused(live):
    result = swap_servers(MODEL, [f"http://127.0.0.1:{free_port()}"], "some-token")
    assert result.swapped == [] and len(result.not_running) == 1
    with pytest.raises(SwapError, match="40[13]"):
        swap_servers(MODEL, [live.url], "not-the-token")


@pytest.mark.model
def test_mislabelled_reviewed_examples_never_go_live(live):
    data = training_copy(live, "nlu_mislabelled")
    reviewed_file(data, mislabelled(data))
    before, model_before = serving(live), live.shelf.current.read_bytes()

    run = retrain(live, data, "retrain", "--sample", "3")

    assert run.returncode == 3, run.stdout + run.stderr
    assert "kept the live model" in run.stdout and "entry accuracy drops by" in run.stdout, run.stdout + run.stderr
    assert "live" in run.stdout and "candidate" in run.stdout  # the figures side by side
    assert serving(live) == before  # the running server still serves the live model
    assert live.shelf.current.read_bytes() == model_before and not live.shelf.previous.exists()


@pytest.mark.model
def test_a_candidate_that_holds_goes_live_and_rolls_back(live):
    data = training_copy(live, "nlu_reviewed")
    reviewed_file(data, [(text, NEW_WORD_ENTRY) for text in NEW_WORD_EXAMPLES])
    before = serving(live)
    assert answered(live, NEW_WORD_MESSAGE) != NEW_WORD_ENTRY

    # The checkout's live model may be older than nlu_data/ (which others change): the allowed drop is the other
    # test's subject; this one is about going live and back. The gate scores every third message of the
    # independent set (as in the other test) and runs every understanding test against the candidate.
    run = retrain(live, data, "retrain", "--sample", "3", max_drop="2")

    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{live.url}: now serving" in run.stdout
    assert serving(live) != before
    # A resident's message is now understood by the new model (not by the NLU worker's copy of the old one) ...
    assert answered(live, NEW_WORD_MESSAGE) == NEW_WORD_ENTRY
    # ... also once new workers have the new model.
    from bench.load import wait_for_nlu_workers

    wait_for_nlu_workers([live.stack])
    by_workers = parsed_by_workers(live)
    assert answered(live, NEW_WORD_MESSAGE) == NEW_WORD_ENTRY
    assert parsed_by_workers(live) > by_workers
    assert live.shelf.previous.exists() and live.shelf.current.read_bytes() == live.shelf.candidate.read_bytes()

    back = retrain(live, None, "rollback")

    assert back.returncode == 0, back.stdout + back.stderr
    assert serving(live) == before
    assert answered(live, NEW_WORD_MESSAGE) != NEW_WORD_ENTRY
