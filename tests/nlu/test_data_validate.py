"""`rasa data validate` finds nothing wrong with the training data, rules and domain."""
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.launcher import rasa_env
from assistant.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow


def test_rasa_data_validate_is_clean():
    rasa = Path(sys.executable).parent / "rasa"
    result = subprocess.run(
        [str(rasa), "data", "validate", "--config", "config.yml", "--domain", "assistant/rasa/domain.yml",
         "--data", "nlu_data", "assistant/rasa/rules.yml"],
        cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Intents only sent by buttons have no training examples on purpose.
    payload_only = ("'guide_start'", "'guide_answer'", "'handoff_callback'", "'handoff_feedback'", "'age_band'")
    problems = [
        l for l in output.splitlines()
        if ("UserWarning" in l or " WARNING " in l or " ERROR " in l)
        and not (any(p in l for p in payload_only) and "not found in the NLU training data" in l)
        # Rasa's importer adds the topics of the `topic/entry` examples as a second domain of retrieval
        # intents and then warns that the domain's own list names them too.
        and "duplicated intents have been found across multiple domain files" not in l
        # ...and lists a retrieval action (utter_<topic>) for each; action_respond answers from knowledge/.
        and not ("is listed as a response action in the domain file, but there is no matching response" in l)
    ]
    assert problems == [], "\n".join(problems)
