"""A candidate the gate refused is not trained again from the same data and config against the same live model:
the next `madoguchi retrain` stops before training (status 3) until the data, the config or the live model changes,
or --force is given. Training and the gate are replaced by stand-ins; the refusal is recorded by the real code."""
from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

from tests.helpers.models import OfflineRetrain, metadata_only_model

KEPT = 3


@pytest.fixture()
def retrain(tmp_path, monkeypatch):
    """`madoguchi retrain` over a copy of the training data, whose gate refuses or passes as `verdicts` says."""
    from assistant.cli import main
    from assistant.retrain import gate

    verdicts: List[bool] = []

    def evaluate(*_args, **_kwargs):
        figures = gate.Figures(1, 1.0, 1.0, 0, 0)
        reasons = [] if verdicts.pop(0) else ["entry accuracy drops by 28.6 points (0.827 -> 0.541; at most 0.5 allowed)"]
        return gate.Verdict(figures, figures, 0.5, understanding=None, reasons=reasons)

    offline = OfflineRetrain(tmp_path, monkeypatch, evaluate, "test-token-refused")
    data, config, shelf, trained, command = offline.data, offline.config, offline.shelf, offline.trained, offline.command

    class Run:
        def __init__(self) -> None:
            self.data, self.config, self.shelf, self.trained, self.verdicts = data, config, shelf, trained, verdicts

        def __call__(self, *extra: str, passes: bool = False) -> int:
            verdicts[:] = [passes]
            return main(command + list(extra))

    return Run()


def add_examples(data: Path, name: str, text: str) -> None:
    (data / "reviewed").mkdir(exist_ok=True)
    (data / "reviewed" / f"{name}.yml").write_text(
        f'version: "3.1"\nnlu:\n- intent: card_return/voluntary\n  examples: |\n    - {text}\n', encoding="utf-8")


def test_a_refused_candidate_is_not_trained_again_until_the_data_changes(retrain, capsys):
    from assistant.retrain.fingerprint import fingerprint

    live = retrain.shelf.current.read_bytes()
    assert retrain() == KEPT and len(retrain.trained) == 1
    assert retrain.shelf.refused_fingerprint.read_text(encoding="utf-8").splitlines() == [
        fingerprint(retrain.config, retrain.data), "live-model"]
    capsys.readouterr()

    assert retrain() == KEPT and len(retrain.trained) == 1  # the same candidate: not trained, still refused
    err = capsys.readouterr().err
    assert "already refused against the live model" in err and "--force" in err
    assert retrain.shelf.current.read_bytes() == live and not retrain.shelf.current_fingerprint.exists()

    (retrain.data / "reviewed").mkdir()
    (retrain.data / "reviewed" / "reviewed_by.csv").write_text("intent,text,labelled_by,labelled_at\n", encoding="utf-8")
    assert retrain() == KEPT and len(retrain.trained) == 1  # who labelled what is not training data

    add_examples(retrain.data, "corrected", "ぽんぽこぴーのこと")
    assert retrain(passes=True) == 0 and len(retrain.trained) == 2  # corrected examples are trained and go live
    assert retrain.shelf.recorded(retrain.shelf.current_fingerprint) == retrain.trained[1]


def test_force_trains_a_refused_candidate_again_and_a_new_config_or_live_model_does_too(retrain):
    assert retrain() == KEPT and len(retrain.trained) == 1
    assert retrain("--force") == KEPT and len(retrain.trained) == 2  # refused again: recorded again
    assert retrain() == KEPT and len(retrain.trained) == 2

    retrain.config.write_text(retrain.config.read_text(encoding="utf-8") + "\n# tuned\n", encoding="utf-8")
    assert retrain() == KEPT and len(retrain.trained) == 3
    assert retrain() == KEPT and len(retrain.trained) == 3

    # Another live model (put back by hand, or a rollback) deserves its own comparison with the same candidate.
    metadata_only_model(retrain.shelf.current, "another-live-model")
    assert retrain(passes=True) == 0 and len(retrain.trained) == 4
    assert retrain() == 0 and len(retrain.trained) == 4  # now the live model's own data: nothing to do


def test_a_passing_run_is_not_stopped_by_an_older_refusal_of_other_data(retrain):
    add_examples(retrain.data, "wrong", "ぽんぽこぴーね")
    assert retrain() == KEPT and len(retrain.trained) == 1
    (retrain.data / "reviewed" / "wrong.yml").unlink()
    assert retrain(passes=True) == 0 and len(retrain.trained) == 2
    # The refusal stays recorded against the model that was live then, not against the new one.
    assert retrain.shelf.refused("live-model") == retrain.trained[0]
    assert retrain.shelf.refused("candidate-2") is None
