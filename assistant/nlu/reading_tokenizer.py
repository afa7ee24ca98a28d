"""A GiNZA tokenizer whose lemmas are katakana readings, so 暗唱番号, 暗証番号 and あんしょうばんごう look alike."""
from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.spacy_tokenizer import POS_TAG_KEY, SpacyTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from assistant.text import to_katakana


def token_reading(token) -> str:
    """The katakana reading GiNZA gives a spaCy token, or its surface in katakana."""
    readings = token.morph.get("Reading")
    if readings and readings[0] and readings[0] != "*":
        return to_katakana(readings[0])
    return to_katakana(token.text)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class ReadingSpacyTokenizer(SpacyTokenizer):
    """SpacyTokenizer that stores each token's reading as its lemma (for reading n-gram features)."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        doc = self._get_doc(message, attribute)
        if not doc:
            return []
        tokens = [
            Token(t.text, t.idx, lemma=token_reading(t), data={POS_TAG_KEY: self._tag_of_token(t)})
            for t in doc
            if t.text and t.text.strip()
        ]
        return self._apply_token_pattern(tokens)
