"""The dialogue policy: one action answers every message (its state machine lives in action_respond),
so after a resident's message the assistant runs action_respond and then listens."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

RESPOND_ACTION = "action_respond"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class RespondPolicy(Policy):
    """What the rules said (every intent → action_respond), without matching some forty rules per turn."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 6}  # RulePolicy's

    @staticmethod
    def supported_data() -> SupportedData:
        return SupportedData.ML_AND_RULE_DATA

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext, **kwargs: Any) -> "RespondPolicy":
        return cls(config, model_storage, resource, execution_context)

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        if RESPOND_ACTION not in domain.action_names_or_texts:
            raise ValueError(f"the domain has no {RESPOND_ACTION}")
        with self._model_storage.write_to(self._resource):
            pass  # nothing to learn
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        result = self._default_predictions(domain)
        answered = tracker.latest_action_name != ACTION_LISTEN_NAME or tracker.latest_message is None \
            or not tracker.latest_message.text and not tracker.latest_message.intent
        next_action = ACTION_LISTEN_NAME if answered else RESPOND_ACTION
        result[domain.index_for_action(next_action)] = 1.0
        return self._prediction(result)
