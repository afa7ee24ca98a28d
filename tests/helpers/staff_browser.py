"""The staff console in Chromium: where its screenshots go and axe-core's serious findings on a page."""
from __future__ import annotations

import json

from tests.conftest import ARTIFACTS
from tests.helpers.browser import axe_source

SHOTS = ARTIFACTS / "staff"


def serious_violations(page, name: str):
    """axe-core's serious and critical findings on the page (the full list goes to test-artifacts/staff/)."""
    page.evaluate(axe_source())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"axe-{name}.json").write_text(json.dumps(result["violations"], ensure_ascii=False, indent=1),
                                           encoding="utf-8")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
            if v["impact"] in ("serious", "critical")]
