"""Rasa component: chooses the knowledge entry a message asks about and settles its topic with DIET's."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

import joblib

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.nlu.entries import CONVERSATION_TOPICS, EntryModel, Reading, read_message
from assistant.nlu.ranking import best_topic, joint_ranking, topic_confidences, topic_of
from assistant.nlu.sentences import asks

logger = logging.getLogger(__name__)

INTENT_RANKING = "intent_ranking"
# The key Rasa's ResponseSelector writes to; actions read the chosen entry from here.
RESPONSE_SELECTOR = "response_selector"
_MODEL_FILE = "entry_model.joblib"


def reading_of(message: Message) -> Reading:
    """The message's text with each token's span and katakana reading (ReadingSpacyTokenizer's lemma)."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return Reading(message.get(TEXT) or "", [(t.start, t.end, t.lemma or t.text) for t in tokens])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EntrySelector(GraphComponent, IntentClassifier):
    """Trained on the `topic/entry` examples; writes the entry ranking where Rasa's ResponseSelector does."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # The linear SVM's C, and the softmax temperature that turns its scores into probabilities.
            "c": 1.0,
            "temperature": 8.0,
            # How much the asking sentence of a story counts against the whole message (the weight of its
            # probabilities in a geometric mean with the whole message's). On the development sets of 2026-12-07
            # (blind dev, stories, two needs, a second blind set of 180): 0.3 276/94/66/166, 0.45 278/94/66/169,
            # 0.6 278/93/66/168.
            "need_weight": 0.45,
            # How strongly DIET's belief in a topic re-weighs the entries of that topic.
            "topic_weight": 1.0,
            # The intent's confidence: DIET's share against the entries' summed belief.
            "diet_share": 0.5,
            # Another sentence of the message that asks this clearly becomes an offered part.
            "part_threshold": 0.3,
            # A part in another topic than the answer's needs this much (the entry model's own top entry too, when the
            # topic settled elsewhere): fewer offers of an unrelated entry read from one word.
            "other_topic_part_threshold": 0.4,
            # A sentence that tells (「カードをなくしました。」) is offered only this sure of its entry.
            "statement_threshold": 0.9,
            # Conversation words are never offered as another part of a message.
            "never_parts": [*CONVERSATION_TOPICS, "out_of_scope", "unclear_need_clarification"],
            # A need beside thanks wins when thanks is the likeliest topic or this close to the likeliest (the
            # FallbackClassifier's ambiguity_threshold in config.yml).
            "thanks_margin": 0.1,
            # A message that says the card is lost (concepts.yml: CARD_LOST, not the notification card or a phone)
            # always gets the way to stop it offered, whatever else it asks (「カードをなくしたんですが、再発行の手数料は」).
            "lost_card_entry": "lost_card_suspend/stop_now",
            "ranking_length": 10,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[EntryModel] = None, intents: Optional[EntryModel] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._model = model
        # Without an intent classifier before it (DIET), it classifies the intent itself.
        self._intents = intents

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EntrySelector":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "EntrySelector":
        try:
            with model_storage.read_from(resource) as directory:
                model, intents = joblib.load(directory / _MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("EntrySelector: no trained entry model; entries are not chosen")
            model, intents = None, None
        return cls(config, model_storage, resource, model, intents)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(INTENT_RESPONSE_KEY)]
        if len({m.get(INTENT_RESPONSE_KEY) for m in examples}) < 2:
            logger.warning("EntrySelector: fewer than two `topic/entry` labels in the data; nothing trained")
            return self._resource
        c, temperature = float(self._config["c"]), float(self._config["temperature"])
        model = EntryModel(c=c, temperature=temperature)
        model.fit([reading_of(m) for m in examples], [m.get(INTENT_RESPONSE_KEY) for m in examples])
        everything = [m for m in training_data.intent_examples if m.get(INTENT)]
        # The intent model reads no concepts: words such as 保険 or 更新 in an unrelated question
        # (自動車保険の更新) would pull it into a topic instead of out_of_scope. Nor is it balanced: the
        # small intents (goodbye) would draw nonsense (「ふがふが」) away from the fallback.
        intents = EntryModel(c=c, temperature=temperature, concepts={}, balanced=False)
        intents.fit([reading_of(m) for m in everything], [m.get(INTENT) for m in everything])
        with self._storage.write_to(self._resource) as directory:
            joblib.dump((model, intents), directory / _MODEL_FILE)
        self._model, self._intents = model, intents
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if self._model is None or not text.strip() or text.startswith("/"):
                # As DIET does: nothing to read (a button payload is read by Rasa's regex handler).
                if not message.get(INTENT):
                    message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                    message.set(INTENT_RANKING, [], add_to_output=True)
                continue
            self._choose(message)
        return messages

    def _choose(self, message: Message) -> None:
        config = self._config
        intent = message.get(INTENT) or {}
        diet = {r["name"]: float(r["confidence"]) for r in message.get(INTENT_RANKING) or []}
        if not diet and self._intents is not None:
            # No intent classifier before this one: its own intent model reads the message.
            probs = self._intents.proba([reading_of(message)])[0]
            diet = {name: float(p) for name, p in zip(self._intents.labels, probs)}
            intent = {"name": max(diet, key=diet.get)}
        reply = read_message(self._model, reading_of(message), need_weight=float(config["need_weight"]),
                             part_threshold=float(config["part_threshold"]),
                             statement_threshold=float(config["statement_threshold"]))
        ranking = joint_ranking(reply.ranking, diet, float(config["topic_weight"])) if diet else reply.ranking
        confidences = topic_confidences(ranking, diet, float(config["diet_share"]))
        topic = best_topic(confidences)
        own = reply.ranking[0]
        need = None
        if topic in CONVERSATION_TOPICS and topic_of(own[0]) not in config["never_parts"] \
                and own[1] >= float(config["statement_threshold"]):
            # 「おはようございます。特急発行ってなに？」: the intent model hears the greeting, the entry model (the asking
            # sentence weighs most) the need; the need is answered (the reply greets back).
            need = own
        elif self._thanks_beside_a_need(confidences, reply.need):
            # 「ありがとう。それと マイナ保険証の登録は どこでするんかね」: thanks (or a greeting) ties with the need in the
            # whole message, while the asking sentence alone is near certain: the need is answered.
            need = reply.need
        if need is not None:
            topic = topic_of(need[0])
            confidences[topic] = max(confidences.get(topic, 0.0), need[1])
            # The greeting or the thanks keeps what is left (no tie for the fallback to see).
            for other in CONVERSATION_TOPICS:
                confidences[other] = min(confidences.get(other, 0.0), 1.0 - confidences[topic])
            intent = {"name": topic}
        top_intent = intent.get("name")
        entry_topics = {topic_of(k) for k in self._model.labels}
        # DIET's dialogue-control intents (guide steps, callbacks, age band) are not entries: leave them.
        if top_intent and top_intent not in entry_topics:
            topic = top_intent
            if not message.get(INTENT):
                ranked = sorted(diet.items(), key=lambda kv: -kv[1])
                message.set(INTENT, {"name": topic, "confidence": diet[topic]}, add_to_output=True)
                message.set(INTENT_RANKING, [{"name": n, "confidence": c} for n, c in ranked[: int(config["ranking_length"])]],
                            add_to_output=True)
        else:
            merged = sorted(confidences.items(), key=lambda kv: -kv[1])
            message.set(INTENT, {"name": topic, "confidence": confidences[topic]}, add_to_output=True)
            message.set(INTENT_RANKING, [{"name": n, "confidence": c} for n, c in merged[: int(config["ranking_length"])]],
                        add_to_output=True)
        if not self._model.knows_a_word_of(reading_of(message)):
            # No word it was trained on: the fallback ("I could not read that"), not a confident guess.
            message.set(INTENT, {**message.get(INTENT), "confidence": 0.0}, add_to_output=True)
        in_topic = [(k, p) for k, p in ranking if topic_of(k) == topic]
        best = in_topic[0] if in_topic else ranking[0]
        never = set(config["never_parts"])
        other_topic = float(config["other_topic_part_threshold"])
        candidates = list(reply.parts)
        if reply.parts and own[0] != best[0]:
            # 「再発行いくら？あと何日かかる？」: the topic settled on the fee, but the asking sentence's own
            # entry (how long) is a part of the message too.
            candidates.append((own[0], own[1], ""))
        if reply.need and reply.need[0] != best[0]:
            # 「…もうカード使えない？再発行っていくら？」: the intent model settles the topic on 引越し, and the need's own
            # entry (the fee, near certain in its sentence) is offered, as sure as its sentence reads it.
            candidates.append(reply.need)
        parts: List = []
        for key, p, sentence in candidates:
            if (key != best[0] and topic_of(key) not in never and all(key != q[0] for q in parts)
                    and (topic_of(key) == topic_of(best[0]) or p >= other_topic)):
                parts.append((key, p, sentence))
        safety = self._lost_card_part(message.get(TEXT) or "", best[0], parts)
        message.set(RESPONSE_SELECTOR, {
            "all_retrieval_intents": sorted(entry_topics),
            "default": {
                "response": {"intent_response_key": best[0], "confidence": best[1], "responses": None,
                             "utter_action": None},
                # The first ten, and every entry of the message's topic: the actions then never need to guess
                # one of the topic's entries from the text themselves (the NLU reads kana and kanji alike).
                "ranking": [{"intent_response_key": k, "confidence": p}
                            for i, (k, p) in enumerate(ranking) if i < int(config["ranking_length"]) or topic_of(k) == topic],
                # The entry model's own belief in its best entry, before the intent model's: a message it reads
                # near certainly by itself is not read again with the previous question (channels/follow_up.py).
                "own_confidence": float(reply.ranking[0][1]),
                # "asks": false for a sentence that only tells (offered, but no reason to hold back a はい/いいえ).
                "parts": [{"intent_response_key": k, "confidence": p, "text": s, "asks": not s or asks(s)} for k, p, s in parts]
                + safety,
            },
        }, add_to_output=True)

    def _thanks_beside_a_need(self, confidences: Dict[str, float], need: Optional[Tuple[str, float, str]]) -> bool:
        """Greeting or goodbye is the likeliest topic, or all but ties with it, in a message whose asking sentence (not
        one that only tells: 「ありがとう。カードを受け取ってきました。」) reads a need, no conversation, near certainly."""
        config = self._config
        if (need is None or need[1] < float(config["statement_threshold"]) or topic_of(need[0]) in config["never_parts"]
                or not asks(need[2])):
            return False
        lead = sorted(confidences, key=lambda t: -confidences[t])[:2]
        if lead and lead[0] in CONVERSATION_TOPICS:
            return True
        return len(lead) == 2 and lead[1] in CONVERSATION_TOPICS and \
            confidences[lead[0]] - confidences[lead[1]] < float(config["thanks_margin"])

    def _lost_card_part(self, text: str, best: str, parts: List) -> List[Dict[str, Any]]:
        """The lost card's stop, as a part told (not asked), when the message says the card is lost and neither the
        answer nor another part is about a lost card."""
        entry = self._config.get("lost_card_entry")
        if not entry or entry not in self._model.labels:
            return []
        concepts = set(self._model.concepts.found(text))
        if not {"CARD", "LOST"} <= concepts or concepts & {"NOTICE", "PHONE"}:
            return []
        if any(topic_of(key) == topic_of(entry) for key in [best] + [k for k, _, _ in parts]):
            return []
        return [{"intent_response_key": entry, "confidence": 0.0, "text": "", "asks": False}]
