"""NLU accuracy on the held-out test set (tests/data/nlu_test.yml, never used in training)."""
import pytest

from assistant.settings import PROJECT_ROOT
from bench.run import acted_on
from tests.conftest import ARTIFACTS, nlu_examples

pytestmark = pytest.mark.model

TEST_SET = nlu_examples(PROJECT_ROOT / "tests" / "data" / "nlu_test.yml")


def test_intent_accuracy_on_held_out_questions_is_at_least_90_percent(assistant):
    from sklearn.metrics import classification_report

    truth, predicted, misses = [], [], []
    for intent, examples in TEST_SET.items():
        for text in examples:
            # The topic whose answer the resident gets; another unsure reading counts as a miss.
            name = acted_on(assistant.parse(text))
            truth.append(intent)
            predicted.append(name)
            if name != intent:
                misses.append(f"{intent:32} -> {name:32} {text}")
    report = classification_report(truth, predicted, zero_division=0)
    accuracy = sum(t == p for t, p in zip(truth, predicted)) / len(truth)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "nlu_report.txt").write_text(
        f"accuracy {accuracy:.3f} on {len(truth)} held-out questions\n\n{report}\nmisses:\n" + "\n".join(misses),
        encoding="utf-8",
    )
    print(f"\nintent accuracy {accuracy:.3f} on {len(truth)} held-out questions\n{report}")
    print("misses:\n" + "\n".join(misses))
    assert accuracy >= 0.90
