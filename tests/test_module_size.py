"""Every module of the product is at most 300 lines, or says at its top why it is longer."""
from __future__ import annotations

from assistant.settings import PROJECT_ROOT

LIMIT = 300
REASON = "# Longer than 300 lines"


def test_every_long_module_says_why():
    unexplained = []
    for package in ("assistant", "actions"):
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            if len(lines) > LIMIT and not any(line.startswith(REASON) for line in lines[:20]):
                unexplained.append(f"{path.relative_to(PROJECT_ROOT)} ({len(lines)} lines)")
    assert not unexplained, ("split these modules, or say at their top why they are longer "
                             f"('{REASON}: ...'): {', '.join(unexplained)}")
