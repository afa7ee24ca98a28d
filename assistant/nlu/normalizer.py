"""Rasa component: normalizes the message text before spaCy/GiNZA sees it."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.text import DEFAULT_VOCABULARY, TextNormalizer


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class JapaneseNormalizer(GraphComponent):
    """Normalizes width, long vowels and variant spellings (nlu_data/normalization.yml)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"vocabulary": str(DEFAULT_VOCABULARY), "max_chars": 1000}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._normalizer = TextNormalizer.from_file(Path(config["vocabulary"]))
        self._max_chars = int(config["max_chars"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "JapaneseNormalizer":
        return cls(config)

    def _normalize(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str) and not text.startswith("/"):
                # Button payloads (/intent{...}) pass untouched. Long messages are cut for
            # parsing only; the tracker keeps what the channel received.
            message.set(TEXT, self._normalizer(text)[: self._max_chars])

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalize(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalize(message)
        return messages
