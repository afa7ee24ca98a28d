"""README.md and docs/ name only what the code still has: actions, settings, commands, make targets, files."""
from __future__ import annotations

import contextlib
import io
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest
import yaml

from assistant.settings import PROJECT_ROOT

PAGES = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
CODE_DIRS = ("assistant", "actions", "bench", "tests", ".ci")
# Top-level names a path in the docs may start with (generated folders such as data/ or reports/ are not checked).
CHECKED_ROOTS = ("assistant/", "actions/", "bench/", "tests/", "docs/", "knowledge/", "nlu_data/", ".ci/")
CHECKED_FILES = ("config.yml", "Makefile", "pyproject.toml", "README.md")

_FENCE_RE = re.compile(r"```.*?\n(.*?)```", re.S)
_INLINE_RE = re.compile(r"`([^`\n]+)`")
_LINK_RE = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _page_id(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT))


def code_spans(text: str) -> List[str]:
    """What a page shows as code: fenced blocks and `inline` spans (prose is never checked)."""
    blocks = _FENCE_RE.findall(text)
    rest = _FENCE_RE.sub(" ", text)
    return blocks + _INLINE_RE.findall(rest)


def occurrences(pattern: "re.Pattern[str]", spans_only: bool = True) -> Iterator[Tuple[str, str]]:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for chunk in code_spans(text) if spans_only else [text]:
            for match in pattern.finditer(chunk):
                yield _page_id(page), match.group(1) if pattern.groups else match.group(0)


@lru_cache(maxsize=1)
def code_text() -> str:
    parts = []
    for folder in CODE_DIRS:
        for path in (PROJECT_ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".yml", ".yaml", ".sh", ".js", ".html") or path.name == "run":
                if path.is_file() and path.name != "test_docs_sync.py":
                    parts.append(path.read_text(encoding="utf-8", errors="replace"))
    for name in ("Makefile", "pyproject.toml", "config.yml"):
        parts.append((PROJECT_ROOT / name).read_text(encoding="utf-8"))
    return "\n".join(parts)


def _report(missing: Dict[str, Set[str]], what: str) -> str:
    """What the assertion says when names are missing."""
    return f"{what} named in the docs but not in the code: " + "; ".join(
        f"{page}: {', '.join(sorted(names))}" for page, names in sorted(missing.items()))


def _collect(pairs: Iterator[Tuple[str, str]], known) -> Dict[str, Set[str]]:
    missing: Dict[str, Set[str]] = {}
    for page, name in pairs:
        if not known(name):
            missing.setdefault(page, set()).add(name)
    return missing


# --- actions -----------------------------------------------------------------------------------
def domain_actions() -> Set[str]:
    from rasa.shared.core.constants import DEFAULT_ACTION_NAMES

    domain = yaml.safe_load((PROJECT_ROOT / "assistant/rasa/domain.yml").read_text(encoding="utf-8"))
    return set(domain.get("actions") or []) | set(DEFAULT_ACTION_NAMES)


def test_every_action_the_docs_name_is_in_the_domain():
    actions = domain_actions()
    pairs = occurrences(re.compile(r"\b(action_[a-z_]+)\b"), spans_only=False)
    missing = _collect(pairs, lambda name: name in actions)
    assert not missing, _report(missing, "actions")


# --- settings ----------------------------------------------------------------------------------
def test_every_setting_the_docs_name_is_read_by_the_code():
    code = code_text()
    # `MADOGUCHI_TELEGRAM_*` or `MADOGUCHI_PG_` name a family: one member in the code is enough.
    pairs = occurrences(re.compile(r"\b(MADOGUCHI_[A-Z0-9_]*[A-Z0-9])"), spans_only=False)
    missing = _collect(pairs, lambda name: name in code)
    assert not missing, _report(missing, "settings")


# --- the madoguchi command ---------------------------------------------------------------------
def _help(argv: List[str]) -> str:
    from assistant.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), pytest.raises(SystemExit):
        main(argv + ["--help"])
    return out.getvalue()


def _choices(help_text: str) -> Set[str]:
    """The sub-commands an argparse usage lists as {a,b,c}."""
    match = re.search(r"\{([a-z0-9_,-]+)\}", help_text)
    return set(match.group(1).split(",")) if match else set()


@lru_cache(maxsize=1)
def cli_commands() -> Dict[str, Set[str]]:
    """Every `madoguchi` command, with its own sub-commands (empty when it has none)."""
    return {command: _choices(_help([command])) for command in sorted(_choices(_help([])))}


def test_every_madoguchi_command_the_docs_name_exists():
    commands = cli_commands()
    assert {"run", "serve", "staff", "analytics", "telegram"} <= set(commands)

    def known(words: str) -> bool:
        first, _, rest = words.partition(" ")
        if first not in commands:
            return False
        second = rest.split(" ", 1)[0] if rest else ""
        subs = commands[first]
        if not subs or not re.fullmatch(r"[a-z][a-z0-9_-]*", second):
            return True  # an option, an argument or nothing: only the command itself is checked
        return second in subs

    pattern = re.compile(r"(?:^|[\s`/])madoguchi ((?:[a-z][a-z0-9_-]*)(?: [a-z][a-z0-9_-]*)?)")
    missing = _collect(occurrences(pattern), known)
    assert not missing, _report(missing, "madoguchi commands")


# --- make targets ------------------------------------------------------------------------------
def make_targets() -> Set[str]:
    text = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z0-9_-]*):", text, re.M))


def test_every_make_target_the_docs_name_exists():
    targets = make_targets()
    pattern = re.compile(r"(?:^|[\s`(])make ([a-z][a-z0-9_-]*)")
    missing = _collect(occurrences(pattern), lambda name: name in targets)
    assert not missing, _report(missing, "make targets")


# --- files ------------------------------------------------------------------------------------
def _exists(path: str) -> bool:
    path = path.rstrip(".,:;")
    if "<" in path or "{" in path:
        return True  # a pattern such as knowledge/topics/<topic>.yml
    if any(c in path for c in "*?["):
        return any(PROJECT_ROOT.glob(path))
    return (PROJECT_ROOT / path).exists()


def test_every_file_the_docs_name_exists():
    roots = "|".join(re.escape(r) for r in CHECKED_ROOTS + CHECKED_FILES)
    pattern = re.compile(rf"(?<![\w./-])((?:{roots})[\w./*<>{{}}-]*)")
    missing = _collect(occurrences(pattern), _exists)
    assert not missing, _report(missing, "files")


def test_every_page_a_page_links_exists():
    missing: Dict[str, Set[str]] = {}
    for page in PAGES:
        for target in _LINK_RE.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # a web address
            if not (page.parent / target).exists():
                missing.setdefault(_page_id(page), set()).add(target)
    missing = missing
    assert not missing, _report(missing, "linked files")


def test_the_readme_stays_short():
    lines = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= 200, f"README.md has {lines} lines; move details to a page of docs/ and link it"


STALE = [
    (test_every_action_the_docs_name_is_in_the_domain, "`action_answer_topic`", "action_answer_topic"),
    (test_every_setting_the_docs_name_is_read_by_the_code, "`MADOGUCHI_NO_SUCH_SETTING=1`", "MADOGUCHI_NO_SUCH_SETTING"),
    (test_every_madoguchi_command_the_docs_name_exists, "`madoguchi frobnicate --all`", "frobnicate"),
    (test_every_madoguchi_command_the_docs_name_exists, "```\n.venv/bin/madoguchi staff frobnicate x\n```", "staff frobnicate"),
    (test_every_make_target_the_docs_name_exists, "run `make deploy`", "deploy"),
    (test_every_file_the_docs_name_exists, "`assistant/channels/door.py`", "assistant/channels/door.py"),
    (test_every_page_a_page_links_exists, "[gone](docs/gone.md)", "docs/gone.md"),
]


@pytest.mark.parametrize("check, line, name", STALE, ids=[name for _, _, name in STALE])
def test_a_name_the_code_no_longer_has_is_caught(monkeypatch, tmp_path, check, line, name):
    page = tmp_path / "stale.md"
    page.write_text(f"A page.\n\n{line}\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PAGES", [page])
    monkeypatch.setattr(sys.modules[__name__], "_page_id", lambda p: p.name)
    with pytest.raises(AssertionError, match=re.escape(name)):
        check()


def test_names_the_code_has_pass(monkeypatch, tmp_path):
    page = tmp_path / "fine.md"
    page.write_text("`action_respond` `MADOGUCHI_RATE_PER_IP` `madoguchi staff create x` `make run` "
                    "`assistant/channels/rest.py` `knowledge/topics/<topic>.yml` `tests/server/test_patches*.py`\n",
                    encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PAGES", [page])
    monkeypatch.setattr(sys.modules[__name__], "_page_id", lambda p: p.name)
    for check, _, _ in STALE:
        check()  # each asserts that nothing named on the page is missing
    assert "action_respond" in domain_actions() and "run" in make_targets()
