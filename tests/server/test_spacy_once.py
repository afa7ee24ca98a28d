"""GiNZA is loaded once per Rasa server (patch spacy_once): the components Rasa makes of the one pipeline
entry share one language, which tokenizes as Rasa's own copies do; reverted, Rasa loads a copy per node."""
from __future__ import annotations

import pytest

import assistant.server.patches as patches

TEXTS = ["マイナンバーカードを作りたい", "あんしょうばんごう わすれた", "ｶｰﾄﾞ なくした"]


@pytest.fixture(autouse=True)
def unpatched():
    yield
    patches.revert_all()


def build(cls):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.resource import Resource

    context = ExecutionContext(GraphSchema({}), "test")
    return [cls.create({"model": "ja_ginza"}, None, Resource(f"node{i}"), context) for i in range(2)]


def tokens(component):
    return [[(t.text, t.lemma_, t.idx) for t in component.provide().model(text)] for text in TEXTS]


def test_the_nodes_of_one_pipeline_entry_share_one_language_that_reads_as_rasas():
    from assistant.nlu.ginza import GinzaNLP

    theirs = build(GinzaNLP)
    assert theirs[0].provide().model is not theirs[1].provide().model  # Rasa: a copy per graph node
    patches.module("spacy_once").apply()
    ours = build(GinzaNLP)
    assert ours[0].provide().model is ours[1].provide().model
    assert ours[0].provide().model_name == theirs[0].provide().model_name
    assert tokens(ours[0]) == tokens(theirs[0]) == tokens(theirs[1])
    assert ours[0]._config == theirs[0]._config
    patches.module("spacy_once").revert()
    again = build(GinzaNLP)
    assert again[0].provide().model is not ours[0].provide().model  # reverted: Rasa's create, nothing kept
