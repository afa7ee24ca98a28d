"""Tuning of the Rasa server process: SQLite settings, a cheap check of action-server answers, event
classes found by name in a table, the model graph's plan built once and run without dask's
scheduler, the NLU model's traced TensorFlow graph called directly, a message's sparse features
joined directly, kept-alive connections to the action server, a compact tracker sent to it, no
replayed copy of the tracker for an action that cannot be rejected, no silent fall-back to an
in-memory tracker store."""
from __future__ import annotations

from typing import Any, Dict, List

from sqlalchemy import event
from sqlalchemy.engine import Engine

_applied = False
ORIGINAL: Dict[str, Any] = {}  # Rasa's own functions that the tuning replaced (for tests to compare)


def _on_connect(dbapi_connection, connection_record) -> None:
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer. synchronous=NORMAL: a commit does not wait for the
    # disk; a crash of the process loses nothing, only a power cut can lose the last messages.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _compiled_action_validation() -> None:
    """Rasa checks every action-server response with jsonschema.validate(), which re-checks the
    schema itself each time (about a third of the server's CPU per message). Same schema and
    same errors, with the validator built once."""
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator = validator_for(schema)(schema)

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        if _plainly_valid(result):
            return True  # the usual answer of our own action server: no need to walk the schema
        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (
                ". Failed to validate Action server response from API, make sure your response "
                f"from the Action endpoint is valid. For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[assignment]


def _plainly_valid(result: Any) -> bool:
    """The shape every answer of action_respond has: lists of event and response objects."""
    if not isinstance(result, dict) or set(result) - {"events", "responses"}:
        return False
    events, responses = result.get("events", []), result.get("responses", [])
    return (isinstance(events, list) and isinstance(responses, list)
            and all(isinstance(e, dict) and isinstance(e.get("event"), str) for e in events)
            and all(isinstance(r, dict) for r in responses))


def run_plan(graph: Dict[str, Any], targets: List[str]) -> List[Any]:
    """Computes the targets of a dask-style graph in this thread, each node once.

    A node is (callable, *keys of the nodes it needs); an input is a plain value. dask.get does
    the same with a scheduler's bookkeeping (queues, callbacks, dependency sets) that cost more
    than Rasa's nodes themselves for a message. Rasa's nodes run one after another in either case.
    """
    done: Dict[str, Any] = {}

    def compute(key: str) -> Any:
        if key in done:
            return done[key]
        task = graph[key]
        if type(task) is tuple and task and callable(task[0]):
            value = task[0](*(compute(arg) if isinstance(arg, str) and arg in graph else arg for arg in task[1:]))
        else:
            value = task
        done[key] = value
        return value

    return [compute(target) for target in targets]


def _graph_plans_kept() -> None:
    """Rasa rebuilds the plan of its model graph (which nodes a message needs) for every message;
    the plan depends only on the graph, so it is built once per set of targets, and run by
    run_plan instead of dask's scheduler."""
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    ORIGINAL.setdefault("DaskGraphRunner.run", DaskGraphRunner.run)

    def run(self, inputs=None, targets=None):
        run_targets = targets if targets else self._graph_schema.target_names
        plans = self.__dict__.setdefault("_plans", {})
        plan = plans.get(tuple(run_targets))
        if plan is None:
            plan = plans[tuple(run_targets)] = self._build_dask_graph(
                self._graph_schema.minimal_graph_schema(run_targets))
        run_graph = dict(plan)
        if inputs:
            self._add_inputs_to_graph(inputs, run_graph)
        try:
            return dict(run_plan(run_graph, list(run_targets)))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e

    DaskGraphRunner.run = run  # type: ignore[assignment]


def _kept_alive_action_connections() -> None:
    """Rasa opens a new HTTP session, and so a new connection, to the action server for every
    action it runs. One session per endpoint and event loop keeps connections open; a request on
    a connection the action server has closed meanwhile (it restarted) is sent once more."""
    import asyncio

    import aiohttp
    from rasa.utils.endpoints import EndpointConfig

    sessions: Dict[Any, aiohttp.ClientSession] = {}
    make_session = EndpointConfig.session
    send = EndpointConfig.request

    class _Kept:
        def __init__(self, session: aiohttp.ClientSession) -> None:
            self._session = session

        async def __aenter__(self) -> aiohttp.ClientSession:
            return self._session

        async def __aexit__(self, *exc: Any) -> None:
            return None

    def session(self: EndpointConfig) -> Any:
        key = (id(self), id(asyncio.get_running_loop()))
        kept = sessions.get(key)
        if kept is None or kept.closed:
            kept = sessions[key] = make_session(self)
        return _Kept(kept)

    async def request(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
        try:
            return await send(self, *args, **dict(kwargs))
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            sessions.pop((id(self), id(asyncio.get_running_loop())), None)
            return await send(self, *args, **kwargs)

    EndpointConfig.session = session  # type: ignore[assignment]
    EndpointConfig.request = request  # type: ignore[assignment]


def _event_types_by_name() -> None:
    """Rasa finds an event's class by walking every subclass of Event for each stored event it
    loads (a few percent of the server's CPU per message). Same classes, looked up in a table that
    is rebuilt whenever a name is not in it."""
    import rasa.shared.utils.common
    from rasa.shared.core.events import Event

    table: Dict[str, Any] = {}

    def resolve_by_type(type_name, default=None):
        cls = table.get(type_name)
        if cls is None:
            table.clear()
            for sub in rasa.shared.utils.common.all_subclasses(Event):
                table.setdefault(sub.type_name, sub)
            cls = table.get(type_name)
        if cls is not None:
            return cls
        if type_name == "topic":
            return None
        if default is not None:
            return default
        raise ValueError(f"Unknown event name '{type_name}'.")

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[assignment]


RECENT_EVENTS = 12  # the action server gets these last events whole


def compact_events(events: Any) -> List[Dict[str, Any]]:
    """The session's events as the action server reads them: the last few whole, and before them
    only what the resident and the assistant said (the transcript a handoff carries), without
    the NLU's scores, slots and actions. A long conversation's tracker is then a few kilobytes to
    send and parse instead of hundreds, and costs the same for each message.

    What the actions read (actions/common.py, actions/handoff.py): user and bot events' text,
    timestamp, metadata and buttons; the latest user event in full; slots and latest_message
    come with the tracker's state, not from the events."""
    from rasa.shared.core.events import BotUttered, UserUttered

    events = list(events)
    older, recent = events[:-RECENT_EVENTS], events[-RECENT_EVENTS:]
    out: List[Dict[str, Any]] = []
    for e in older:
        if isinstance(e, UserUttered):
            out.append({"event": "user", "timestamp": e.timestamp, "text": e.text,
                        "input_channel": e.input_channel, "metadata": e.metadata})
        elif isinstance(e, BotUttered):
            out.append({"event": "bot", "timestamp": e.timestamp, "text": e.text, "data": e.data})
    out.extend(e.as_dict() for e in recent)
    return out


def _compact_action_payload() -> None:
    """Rasa sends the action server every event of the session, each in full, for every action
    (the JSON grows by some 5 kB per message); see compact_events."""
    import rasa
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import EventVerbosity

    def _action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> Dict[str, Any]:
        state = tracker.current_state(EventVerbosity.NONE)
        state["events"] = compact_events(tracker.events)
        result = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state,
                  "version": rasa.__version__}
        if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
            result["domain"] = domain.as_dict()
        return result

    RemoteAction._action_call_format = _action_call_format  # type: ignore[assignment]


def _no_copy_without_policy_events() -> None:
    """Before each action Rasa copies the tracker, by replaying every event of the session, so
    that it can drop the policy's events if the action is rejected. Our policy adds no events, and
    only forms (loops) change the tracker they are given; for other actions the copy is the
    tracker itself, handed over once."""
    from rasa.core.actions.loops import LoopAction
    from rasa.core.processor import MessageProcessor

    run_action = MessageProcessor._run_action

    async def _run_action(self, action, tracker, output_channel, nlg, prediction):
        if prediction.events or isinstance(action, LoopAction):
            return await run_action(self, action, tracker, output_channel, nlg, prediction)

        def itself():
            del tracker.__dict__["copy"]  # once: later copies are real ones
            return tracker

        tracker.__dict__["copy"] = itself
        try:
            return await run_action(self, action, tracker, output_channel, nlg, prediction)
        finally:
            tracker.__dict__.pop("copy", None)

    MessageProcessor._run_action = _run_action  # type: ignore[assignment]


def _direct_model_calls() -> None:
    """Rasa calls its TensorFlow models (DIET) through tf.function, which for every message matches
    the inputs against the function's signature again and looks up its traced graph: about 2 ms
    of a 15-20 ms parse, more than the model's own arithmetic. The traced graph (the same
    ConcreteFunction tf.function would pick: the signature has no other) is called directly with
    the inputs already in its dtypes. Anything unexpected falls back to Rasa's call for good."""
    import logging

    import numpy as np
    import tensorflow as tf
    from keras.utils import tf_utils
    from rasa.shared.constants import DIAGNOSTIC_DATA
    from rasa.utils.tensorflow.models import RasaModel

    rasa_predict = ORIGINAL.setdefault("RasaModel._rasa_predict", RasaModel._rasa_predict)

    def direct(model: Any) -> Any:
        call = model.__dict__.get("_madoguchi_direct")
        if call is None:
            function = model._tf_predict_step.get_concrete_function()
            specs = tf.nest.flatten(function.structured_input_signature, expand_composites=True)
            dtypes = [spec.dtype.as_numpy_dtype for spec in specs]
            captured = function.captured_inputs

            def call(batch_in: Any) -> Any:
                flat = tf.nest.flatten(batch_in, expand_composites=True)
                if len(flat) != len(dtypes):
                    raise TypeError("inputs do not match the traced signature")
                tensors = [tf.convert_to_tensor(np.asarray(x, dtype=d)) for x, d in zip(flat, dtypes)]
                return function._call_flat(tensors, captured)

            model.__dict__["_madoguchi_direct"] = call
        return call

    def _rasa_predict(self: RasaModel, batch_in: Any) -> Any:
        if (self._tf_predict_step is None or self._run_eagerly or not self.prepared_for_prediction
                or self.__dict__.get("_madoguchi_direct") is False):
            return rasa_predict(self, batch_in)  # first call (traces the function) or fallen back
        try:
            outputs = direct(self)(batch_in)
        except Exception as error:  # pragma: no cover - a TensorFlow that differs
            logging.getLogger(__name__).warning("direct model call failed (%s): Rasa's call from now on", error)
            self.__dict__["_madoguchi_direct"] = False
            return rasa_predict(self, batch_in)
        self._training = False
        outputs = tf_utils.sync_to_numpy_or_python_type(outputs)
        if DIAGNOSTIC_DATA in outputs:
            outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
        return outputs

    RasaModel._rasa_predict = _rasa_predict  # type: ignore[assignment]


def hstack_coo(a: Any, b: Any) -> Any:
    """scipy.sparse.hstack([a, b]) of two COO matrices: the same entries in the same order, the
    same dtypes and shape, without scipy's general block assembly (which converts and checks
    each block again: some 0.3 ms per call, four calls per message in DIET's input)."""
    import numpy as np
    from scipy.sparse import coo_matrix

    shape = (a.shape[0], a.shape[1] + b.shape[1])
    index = np.int32 if max(shape) <= np.iinfo(np.int32).max else np.int64
    data = np.concatenate([a.data, b.data]).astype(np.result_type(a.dtype, b.dtype), copy=False)
    row = np.concatenate([a.row, b.row]).astype(index, copy=False)
    col = np.concatenate([a.col, b.col + a.shape[1]]).astype(index, copy=False)
    return coo_matrix((data, (row, col)), shape=shape)


def _quick_sparse_combination() -> None:
    """Rasa joins the count-vector features of a message side by side with scipy's hstack; for the
    COO matrices the featurizers make, hstack_coo does the same join directly."""
    from scipy.sparse import coo_matrix
    from rasa.shared.nlu.training_data.features import Features

    combine = ORIGINAL.setdefault("Features._combine_sparse_features", Features._combine_sparse_features)

    def _combine_sparse_features(self: Features, additional_features: Features) -> None:
        a, b = self.features, additional_features.features
        if type(a) is not coo_matrix or type(b) is not coo_matrix or a.shape[0] != b.shape[0]:
            return combine(self, additional_features)  # Rasa's own join (and its error)
        self.features = hstack_coo(a, b)
        self._cached_fingerprint = None

    Features._combine_sparse_features = _combine_sparse_features  # type: ignore[assignment]


def apply_worker_tuning() -> None:
    """What an NLU worker process (assistant/nlu_pool.py) needs of the above."""
    _event_types_by_name()
    _graph_plans_kept()
    _direct_model_calls()
    _quick_sparse_combination()


def apply_server_tuning() -> None:
    """Applied once by the REST channel when the Rasa server starts."""
    global _applied
    if _applied:
        return
    event.listen(Engine, "connect", _on_connect)
    _compiled_action_validation()
    _event_types_by_name()
    _graph_plans_kept()
    _direct_model_calls()
    _quick_sparse_combination()
    _kept_alive_action_connections()
    _compact_action_payload()
    _no_copy_without_policy_events()
    from assistant.stores import no_silent_fallback

    no_silent_fallback()
    _applied = True
