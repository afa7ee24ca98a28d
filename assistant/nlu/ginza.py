"""GiNZA for the NLU, loaded with its lexical part only (tokenizer, readings, word vectors)."""
from __future__ import annotations

from typing import Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

# The pipeline's neural parts (dependency parser, NER, morphologizer, bunsetsu) give nothing the
# assistant uses: tokens, readings, POS tags and word vectors come from the tokenizer and the
# static vector table. Leaving them out makes parsing a message about ten times faster.
UNUSED_PIPES = ["tok2vec", "parser", "ner", "morphologizer", "compound_splitter", "bunsetu_recognizer", "attribute_ruler"]


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MODEL_LOADER, DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER],
    is_trainable=False,
    model_from="GinzaNLP",
)
class GinzaNLP(SpacyNLP):
    """SpacyNLP that loads a GiNZA model without its neural pipes."""

    @staticmethod
    def load_model(spacy_model_name: Text) -> SpacyModel:
        import spacy

        language = spacy.load(spacy_model_name, exclude=UNUSED_PIPES)
        return SpacyModel(model=language, model_name=f"{spacy_model_name}-lexical")
