"""Every action the code writes to the audit log has a Japanese label on 「操作の記録」 (no raw `take_over`):
the action names are collected from the source, at every call of an audit function."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from assistant.settings import PROJECT_ROOT
from assistant.staff import review_items
from assistant.staff.present import ACTION_LABELS, audit_row

# Names an f-string action is built from, and the values they can have (checked before the audit call).
FSTRING_VALUES = {"decision": review_items.DECISIONS}


def _modules() -> List[Tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted((PROJECT_ROOT / "assistant").rglob("*.py"))]


def audit_functions(modules) -> Dict[str, int]:
    """Functions whose name ends in "audit" and that take an `action`: name -> its positional index (no self)."""
    found = {}
    for _path, tree in modules:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.endswith("audit"):
                names = [a.arg for a in node.args.args if a.arg not in ("self", "cls")]
                if "action" in names:
                    found[node.name] = names.index("action")
    return found


def _name(node: ast.AST) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def _strings(node: ast.AST) -> Set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _values(arg: ast.AST, scope: ast.AST, where: str) -> Set[str]:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return {arg.value}
    if isinstance(arg, ast.IfExp):  # "a" if x else "b"
        return _values(arg.body, scope, where) | _values(arg.orelse, scope, where)
    if isinstance(arg, ast.Name) and getattr(scope, "name", "").endswith("audit") \
            and arg.id in [a.arg for a in scope.args.args]:
        return set()  # an audit function passing its own action on: its callers are read
    if isinstance(arg, ast.Name):  # a variable: every string it is assigned in the function
        assigned = [n.value for n in ast.walk(scope) if isinstance(n, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == arg.id for t in n.targets)]
        assert assigned, f"{where}: the action {arg.id} is assigned nowhere in its function"
        return set().union(*(_strings(v) for v in assigned))
    if isinstance(arg, ast.JoinedStr):
        parts = arg.values
        assert len(parts) == 2 and isinstance(parts[0], ast.Constant) and _name(parts[1].value) in FSTRING_VALUES, \
            f"{where}: cannot tell which actions this f-string makes; add its values to FSTRING_VALUES"
        return {parts[0].value + key for key in FSTRING_VALUES[_name(parts[1].value)]}
    raise AssertionError(f"{where}: the audit action is no literal, variable or known f-string")


def audited_actions() -> Dict[str, str]:
    """Every action name the code audits -> where (file:line)."""
    return actions_in(_modules())


def actions_in(modules) -> Dict[str, str]:
    functions = audit_functions(modules)
    actions = {}
    for path, tree in modules:
        scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for scope in scopes:
            for call in (n for n in ast.walk(scope) if isinstance(n, ast.Call)):
                callee, args = _name(call.func), call.args
                if callee == "to_thread" and args and _name(args[0]) in functions:
                    callee, args = _name(args[0]), args[1:]
                if callee not in functions:
                    continue
                where = f"{path.relative_to(PROJECT_ROOT)}:{call.lineno}"
                index = functions[callee]
                arg = args[index] if len(args) > index else next(
                    (k.value for k in call.keywords if k.arg == "action"), None)
                assert arg is not None, f"{where}: an audit call without its action"
                for action in _values(arg, scope, where):
                    actions.setdefault(action, where)
    return actions


def test_every_audited_action_has_a_japanese_label():
    actions = audited_actions()
    # The collector sees the actions of the handoffs, sign-in, review queue and answer pages.
    assert {"view", "assign", "take_over", "reply", "resolve", "login", "login_failed", "logout", "report",
            "review_entry", "review_not_in_scope", "answer_publish", "answer_submit"} <= set(actions)
    missing = {a: where for a, where in actions.items() if a not in ACTION_LABELS}
    assert missing == {}, f"audited without a label in ACTION_LABELS: {missing}"


def test_the_take_over_shows_in_japanese_on_the_audit_page():
    from types import SimpleNamespace

    row = audit_row(SimpleNamespace(id=1, at=None, username="hanako", action="take_over", handoff_id=3,
                                    detail="ichiroから引き継ぎ", remote_addr="127.0.0.1"))
    assert row["action_label"] == "引き継いだ"


def test_the_collector_finds_actions_in_every_form():
    """A literal, a variable and an f-string over known values are all read; anything else is refused."""
    source = '''
def audit(staff, action, handoff_id=None): ...
def literal(s): s.audit(None, "one")
async def threaded(s): await asyncio.to_thread(s.audit, None, "two")
def variable(s, x):
    action = "three" if x else "four"
    s.audit(None, action)
def formatted(s, decision): s.audit(None, f"review_{decision}")
def chosen(s, x): s.audit(None, "five" if x else "six")
'''
    module = (PROJECT_ROOT / "assistant" / "example.py", ast.parse(source))
    assert audit_functions([module]) == {"audit": 1}
    found = actions_in([module])
    assert set(found) == {"one", "two", "three", "four", "five", "six"} | {f"review_{k}" for k in review_items.DECISIONS}
    assert found["two"] == "assistant/example.py:4"
    with pytest.raises(AssertionError, match="FSTRING_VALUES"):
        _values(ast.parse("f'{x}_{y}'").body[0].value, module[1], "here")
