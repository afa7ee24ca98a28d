"""GiNZA loaded once per process: Rasa's SpacyNLP.create loads the spaCy language for every graph node made
from the component, and the default recipe makes two of one pipeline entry (the model provider and the
featurizer; the featurizer uses the provider's language and never its own). The second copy cost the Rasa
server 280 MB and 1-4 s of its start (bench/memory.py). The replacement builds the component as Rasa does,
with the language already loaded for the same class and model name; a model swapped in (PUT /model) with
the same GiNZA reuses it too, so a swap does not load a second copy either."""
from __future__ import annotations

import logging
from typing import Any, Dict, Tuple

from assistant.server.patches.base import Swap

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"
TARGET = "rasa.nlu.utils.spacy_utils:SpacyNLP.create"
SWAP = Swap(__name__, RASA_VERSION, {
    TARGET: "(cls, config: 'Dict[Text, Any]', model_storage: 'ModelStorage', resource: 'Resource', "
            "execution_context: 'ExecutionContext') -> 'SpacyNLP'",
    "rasa.nlu.utils.spacy_utils:SpacyNLP.load_model": "(spacy_model_name: 'Text') -> 'SpacyModel'",
    "rasa.nlu.utils.spacy_utils:SpacyNLP.ensure_proper_language_model": "(nlp: 'Optional[Language]') -> 'None'",
    "rasa.nlu.utils.spacy_utils:SpacyNLP.__init__": "(self, model: 'SpacyModel', config: 'Dict[Text, Any]') -> 'None'",
})

# (component class, spaCy model name) -> the SpacyModel loaded for it in this process.
_loaded: Dict[Tuple[type, Any], Any] = {}


def create(cls: Any, config: Dict[str, Any], model_storage: Any, resource: Any, execution_context: Any) -> Any:
    """Rasa's SpacyNLP.create, loading each (class, model name) once."""
    name = config.get("model")
    model = _loaded.get((cls, name))
    if model is None:
        logger.info(f"Trying to load SpaCy model with name '{name}'.")
        model = cls.load_model(name)
        cls.ensure_proper_language_model(model.model)
        _loaded[(cls, name)] = model
    return cls(model, {**cls.get_default_config(), **config})


def apply() -> None:
    SWAP.apply({TARGET: classmethod(create)})


def revert() -> None:
    SWAP.revert()
    _loaded.clear()
