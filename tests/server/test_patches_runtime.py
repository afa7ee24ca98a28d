"""The patches that change how a message travels: the action server's request body and connections, and the
model graph's runner; each compared with Rasa's own on real inputs, then reverted."""
from __future__ import annotations

import asyncio
import json
import types

import pytest

import assistant.server.patches as patches
from assistant.settings import PROJECT_ROOT


@pytest.fixture(autouse=True)
def unpatched():
    yield
    patches.revert_all()


# --- action_payload ----------------------------------------------------------------------

def conversation(turns: int):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(PROJECT_ROOT / "assistant" / "rasa" / "domain.yml"))
    tracker = DialogueStateTracker("resident-1", domain.slots)
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
        tracker.update(event)
    for n in range(turns):
        intent = {"name": "card_apply", "confidence": 0.9}
        tracker.update(UserUttered(f"質問{n}", intent, parse_data={"intent": intent, "intent_ranking": [intent] * 5},
                                   input_channel="rest", metadata={"easy": n % 2 == 0}))
        tracker.update(ActionExecuted("action_respond"))
        tracker.update(SlotSet("last_topic", "card_apply"))
        tracker.update(BotUttered(f"答え{n}", {"buttons": [{"title": f"ボタン{n}", "payload": f"/b{n}"}]}))
        tracker.update(ActionExecuted("action_listen"))
    return tracker, domain


@pytest.mark.parametrize("turns", [0, 1, 8])
def test_the_action_server_gets_rasas_request_with_a_compact_history(turns):
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import BotUttered, UserUttered

    from assistant.server.patches.action_payload import RECENT_EVENTS

    tracker, domain = conversation(turns)
    action = RemoteAction("action_respond", None)
    theirs = action._action_call_format(tracker, domain)
    patches.module("action_payload").apply()
    ours = action._action_call_format(tracker, domain)

    full, compact = theirs["tracker"].pop("events"), ours["tracker"].pop("events")
    assert ours == theirs  # everything but the events, as Rasa sends it
    assert compact[-RECENT_EVENTS:] == full[-RECENT_EVENTS:]
    said = [e for e in list(tracker.events)[:-RECENT_EVENTS] if isinstance(e, (UserUttered, BotUttered))]
    older = compact[:-RECENT_EVENTS] if len(full) > RECENT_EVENTS else []
    assert [(e["event"], e["text"], e["timestamp"]) for e in older] == \
        [(e.type_name, e.text, e.timestamp) for e in said]
    if turns == 8:
        assert len(json.dumps(compact)) < len(json.dumps(full)) / 2


@pytest.mark.parametrize("endpoints", ["endpoints.yml", "endpoints.production.yml"])
def test_the_action_server_is_not_sent_the_domain(endpoints):
    import yaml
    from rasa.core.actions.action import RemoteAction
    from rasa.utils.endpoints import EndpointConfig

    from assistant.settings import PROJECT_ROOT

    section = yaml.safe_load((PROJECT_ROOT / "assistant" / "rasa" / endpoints).read_text())["action_endpoint"]
    config = EndpointConfig.from_dict(section)
    tracker, domain = conversation(1)
    assert "domain" not in RemoteAction("action_respond", config)._action_call_format(tracker, domain)
    assert "domain" in RemoteAction("action_respond", None)._action_call_format(tracker, domain)  # Rasa's default


# --- action_sessions ---------------------------------------------------------------------

async def action_server():
    """A real HTTP server on loopback: counts the POSTs it receives and the connections they came on; a POST
    to /drop closes the connection without an answer (an action server that died while running the action)."""
    from aiohttp import web

    seen = {"posts": 0, "peers": set()}

    async def webhook(request):
        seen["posts"] += 1
        seen["peers"].add(request.transport.get_extra_info("peername"))
        if request.path == "/drop":
            request.transport.close()
        return web.json_response({"events": [], "responses": [{"text": (await request.json())["n"]}]})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    app.router.add_post("/drop", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}", seen


async def calls(patched: bool):
    import aiohttp
    from rasa.utils.endpoints import EndpointConfig

    from assistant.server.patches import action_sessions

    if patched:
        action_sessions.apply()
    runner, url, seen = await action_server()
    try:
        endpoint = EndpointConfig(url=f"{url}/webhook", headers={"X-Test": "1"})
        answers = [await endpoint.request(json={"n": str(n)}, method="post") for n in range(5)]
        connections = len(seen["peers"])
        with pytest.raises(aiohttp.ClientError) as dropped:
            await EndpointConfig(url=f"{url}/drop").request(json={"n": "x"}, method="post")
        return answers, connections, seen["posts"], type(dropped.value)
    finally:
        await action_sessions.close_sessions()
        action_sessions.revert()
        await runner.cleanup()


def test_kept_connections_answer_as_rasas_and_never_send_a_post_twice():
    theirs = asyncio.run(calls(False))
    ours = asyncio.run(calls(True))
    assert ours[0] == theirs[0] == [{"events": [], "responses": [{"text": str(n)}]} for n in range(5)]
    assert (theirs[1], ours[1]) == (5, 1)  # Rasa: a connection per action; here one
    assert ours[2] == theirs[2] == 6  # the POST the action server dropped was not sent again
    assert ours[3] is theirs[3]


# --- graph_runner ------------------------------------------------------------------------

def test_run_plan_computes_what_dask_computes():
    import dask

    from assistant.server.patches.graph_runner import run_plan

    calls = []

    def node(name):
        def run(*inputs):
            calls.append(name)
            return name, list(inputs)
        return run

    graph = {"tokens": (node("tokens"), "message"), "features": (node("features"), "tokens"),
             "intent": (node("intent"), "tokens", "features", "not_a_node"), "message": ("message", {"text": "マイナ"})}
    assert run_plan(dict(graph), ["intent", "features"]) == list(dask.get(dict(graph), ["intent", "features"]))
    calls.clear()
    run_plan(dict(graph), ["intent", "features"])
    assert sorted(calls) == ["features", "intent", "tokens"]  # each node once, though two need tokens


def test_the_planned_runner_runs_a_rasa_graph_as_daskgraphrunner(tmp_path):
    from rasa.engine.exceptions import GraphComponentException, GraphRunError
    from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    from assistant.server.patches.graph_runner import PlannedGraphRunner

    class Step(GraphComponent):
        @classmethod
        def create(cls, config, model_storage, resource, execution_context):
            return cls(config["name"])

        def __init__(self, name):
            self.name = name

        def run(self, **needs):
            if needs.get("text") == "壊れた":
                raise RuntimeError("node failed")
            return self.name, sorted(needs.items())

    def node(name, needs, target=False):
        return SchemaNode(needs=needs, uses=Step, constructor_name="create", fn="run", config={"name": name},
                          is_target=target)

    schema = GraphSchema({"tokens": node("tokens", {"text": "message"}), "features": node("features", {"t": "tokens"}),
                          "intent": node("intent", {"t": "tokens", "f": "features"}, True), "unused": node("unused", {})})
    storage, context = LocalModelStorage(tmp_path), ExecutionContext(schema, "m")
    runs = [({"message": "マイナ"}, ["intent", "features"]), ({"message": "カード"}, None), ({"message": "x"}, ["tokens"])]
    theirs = [DaskGraphRunner.create(schema, storage, context).run(*r) for r in runs]
    runner = PlannedGraphRunner.create(schema, storage, context)
    assert [runner.run(*r) for r in runs + runs] == theirs + theirs
    for r in (DaskGraphRunner.create(schema, storage, context), runner):
        with pytest.raises(GraphComponentException, match="node tokens"):
            r.run({"message": "壊れた"})
        with pytest.raises(GraphRunError, match="clashes with a node name"):
            r.run({"message": "tokens"})


@pytest.mark.model
def test_the_model_parses_the_same_as_with_rasas_runner():
    from rasa.core.agent import Agent
    from rasa.engine.runner.dask import DaskGraphRunner

    from assistant.server.patches.graph_runner import PlannedGraphRunner
    from tests.conftest import MODEL

    patches.apply_all(patches.WORKER)
    agent = Agent.load(str(MODEL))
    runner = agent.processor.graph_runner
    assert type(runner) is PlannedGraphRunner
    texts = ["マイナンバーカードの申請方法を教えて", "あんしょうばんごう わすれた", "ｶｰﾄﾞの更新", "hello", "/fees",
             "保険証として使うにはどうすればいいですか。スマホは持っていません", "？"]

    async def parses():
        return [await agent.parse_message(text) for text in texts]

    ours = asyncio.run(parses())
    runner.run = types.MethodType(DaskGraphRunner.run, runner)  # Rasa's own run, on this very runner
    theirs = asyncio.run(parses())
    assert ours == theirs


def test_an_idle_kept_connection_is_given_up_before_the_action_server_closes_it(monkeypatch):
    from rasa.utils.endpoints import EndpointConfig
    from sanic.config import DEFAULT_CONFIG

    from assistant.server.patches import action_sessions

    assert action_sessions.KEEPALIVE_SECONDS < DEFAULT_CONFIG["KEEP_ALIVE_TIMEOUT"]  # rasa_sdk's Sanic keeps 5 s
    monkeypatch.setattr(action_sessions, "KEEPALIVE_SECONDS", 0.3)

    async def main():
        action_sessions.apply()
        runner, url, seen = await action_server()
        try:
            endpoint = EndpointConfig(url=f"{url}/webhook")
            await endpoint.request(json={"n": "1"}, method="post")
            await endpoint.request(json={"n": "2"}, method="post")
            kept = len(seen["peers"])
            await asyncio.sleep(1.0)  # idle longer than the client keeps a connection
            await endpoint.request(json={"n": "3"}, method="post")
            return kept, len(seen["peers"]), seen["posts"]
        finally:
            await action_sessions.close_sessions()
            action_sessions.revert()
            await runner.cleanup()

    assert asyncio.run(main()) == (1, 2, 3)
