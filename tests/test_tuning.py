"""The server speed-ups keep Rasa's behaviour: action responses are still validated; SQLite uses WAL."""
import pytest
import sqlalchemy
from jsonschema import ValidationError

from assistant.tuning import apply_server_tuning


@pytest.fixture(scope="module", autouse=True)
def tuned():
    apply_server_tuning()


def test_action_responses_are_still_validated():
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_answer_topic", None)
    assert action._validate_action_result({"events": [], "responses": [{"text": "はい"}]})
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def test_sqlite_connections_use_wal(tmp_path):
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 't.db'}")
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sqlalchemy.text("PRAGMA synchronous")).scalar() == 1  # NORMAL


def test_run_plan_computes_what_dask_computes():
    import dask

    from assistant.tuning import run_plan

    calls = []

    def node(name):
        def run(*inputs):
            calls.append(name)
            return name, [i for i in inputs]
        return run

    graph = {
        "tokens": (node("tokens"), "message"),
        "features": (node("features"), "tokens"),
        "intent": (node("intent"), "tokens", "features", "not_a_node"),
        "message": ("message", {"text": "マイナカード"}),
    }
    targets = ["intent", "features"]
    assert run_plan(dict(graph), targets) == list(dask.get(dict(graph), targets))
    calls.clear()
    run_plan(dict(graph), targets)
    assert sorted(calls) == ["features", "intent", "tokens"]  # each node once, though two need tokens


def test_run_plan_raises_what_a_node_raises():
    from assistant.tuning import run_plan

    def broken(*_):
        raise RuntimeError("node failed")

    with pytest.raises(RuntimeError, match="node failed"):
        run_plan({"a": (broken,), "b": (lambda a: a, "a")}, ["b"])


@pytest.mark.model
def test_the_model_parses_the_same_as_rasa_itself(monkeypatch):
    """The trained model's NLU graph gives the same results through run_plan, the direct model call
    and hstack_coo as through Rasa's own dask scheduler, tf.function and scipy's hstack."""
    import asyncio

    from rasa.core.agent import Agent
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.nlu.training_data.features import Features
    from rasa.utils.tensorflow.models import RasaModel

    from assistant.tuning import ORIGINAL, apply_worker_tuning
    from tests.conftest import MODEL

    apply_worker_tuning()
    agent = Agent.load(str(MODEL))
    texts = ["マイナンバーカードの申請方法を教えて", "あんしょうばんごう わすれた", "ｶｰﾄﾞの更新", "hello", "/fees",
             "保険証として使うにはどうすればいいですか。スマホは持っていません", "？"]

    async def parses():
        return [await agent.parse_message(text) for text in texts]

    ours = asyncio.run(parses())
    models = [node._component.model for node in agent.processor.graph_runner._instantiated_nodes.values()
              if getattr(node._component, "model", None) is not None]
    # The pipeline has no TensorFlow model now (the EntrySelector is linear); where one is, the direct call is used.
    assert all(callable(m.__dict__.get("_madoguchi_direct")) for m in models)
    monkeypatch.setattr(DaskGraphRunner, "run", ORIGINAL["DaskGraphRunner.run"])
    monkeypatch.setattr(RasaModel, "_rasa_predict", ORIGINAL["RasaModel._rasa_predict"])
    monkeypatch.setattr(Features, "_combine_sparse_features", ORIGINAL["Features._combine_sparse_features"])
    theirs = asyncio.run(parses())
    for a, b in zip(ours, theirs):
        assert a["intent"]["name"] == b["intent"]["name"]
        assert a["intent"]["confidence"] == pytest.approx(b["intent"]["confidence"], abs=1e-6)
        assert [(r["name"], round(r["confidence"], 6)) for r in a["intent_ranking"]] == \
            [(r["name"], round(r["confidence"], 6)) for r in b["intent_ranking"]]
        assert a.get("response_selector") == b.get("response_selector")


@pytest.mark.parametrize("seed", range(6))
def test_hstack_coo_is_scipys_hstack(seed):
    import numpy as np
    import scipy.sparse

    from assistant.tuning import hstack_coo

    rng = np.random.default_rng(seed)
    rows = int(rng.integers(1, 12))
    a = scipy.sparse.random(rows, int(rng.integers(1, 3000)), density=[0.0, 0.01, 0.2][seed % 3], format="coo",
                            dtype=[np.int64, np.float32][seed % 2], random_state=seed)
    b = scipy.sparse.random(rows, int(rng.integers(1, 3000)), density=0.05, format="coo", dtype=np.int64,
                            random_state=seed + 100)
    ours, theirs = hstack_coo(a, b), scipy.sparse.hstack([a, b])
    assert ours.format == theirs.format == "coo" and ours.shape == theirs.shape
    for field in ("data", "row", "col"):
        assert getattr(ours, field).dtype == getattr(theirs, field).dtype
        assert np.array_equal(getattr(ours, field), getattr(theirs, field))
