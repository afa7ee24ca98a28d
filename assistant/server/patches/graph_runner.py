"""The model graph run by PlannedGraphRunner, a GraphRunner of Rasa's interface: the plan of which nodes a
message needs is built once per set of targets (Rasa's DaskGraphRunner rebuilds it for every message) and run
in this thread without dask's scheduler. Rasa 3.6 takes the runner's class from a name in rasa.core.processor
(MessageProcessor._load_model), with no setting for it: that one name is what this patch replaces."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

from assistant.server.patches.base import Swap

RASA_VERSION = "3.6.21"
TARGET = "rasa.core.processor:DaskGraphRunner"
SWAP = Swap(__name__, RASA_VERSION, {
    TARGET: "(graph_schema: 'GraphSchema', model_storage: 'ModelStorage', execution_context: 'ExecutionContext', "
            "hooks: 'Optional[List[GraphNodeHook]]' = None) -> 'None'",
    "rasa.core.processor:MessageProcessor._load_model":
        "(model_path: Union[str, pathlib.Path]) -> Tuple[str, rasa.engine.storage.storage.ModelMetadata, "
        "rasa.engine.runner.interface.GraphRunner]",
    "rasa.engine.runner.dask:DaskGraphRunner.run":
        "(self, inputs: 'Optional[Dict[Text, Any]]' = None, targets: 'Optional[List[Text]]' = None) "
        "-> 'Dict[Text, Any]'",
    "rasa.engine.runner.dask:DaskGraphRunner._build_dask_graph": "(self, schema: 'GraphSchema') -> 'Dict[Text, Any]'",
    "rasa.engine.runner.dask:DaskGraphRunner._add_inputs_to_graph":
        "(inputs: 'Optional[Dict[Text, Any]]', graph: 'Any') -> 'None'",
    "rasa.engine.graph:GraphSchema.minimal_graph_schema":
        "(self, targets: 'Optional[List[Text]]' = None) -> 'GraphSchema'",
})


def run_plan(graph: Dict[str, Any], targets: List[str]) -> List[Any]:
    """Computes the targets of a dask-style graph in this thread, each node once.

    A node is (callable, *keys of the nodes it needs); an input is a plain value. dask.get does the same with
    a scheduler's bookkeeping (queues, callbacks, dependency sets) that costs more than Rasa's nodes for a
    message. Rasa's nodes run one after another in either case."""
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


class PlannedGraphRunner(DaskGraphRunner):
    """DaskGraphRunner whose plans are kept and run by run_plan."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: Dict[Tuple[Text, ...], Dict[Text, Any]] = {}

    def run(self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = list(targets if targets else self._graph_schema.target_names)
        plan = self._plans.get(tuple(run_targets))
        if plan is None:
            plan = self._plans[tuple(run_targets)] = self._build_dask_graph(
                self._graph_schema.minimal_graph_schema(run_targets))
        run_graph = dict(plan)
        if inputs:
            self._add_inputs_to_graph(inputs, run_graph)
        try:
            return dict(run_plan(run_graph, run_targets))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e


def apply() -> None:
    SWAP.apply({TARGET: PlannedGraphRunner})


def revert() -> None:
    SWAP.revert()
