"""Who published a cited page, by its host: another city or prefecture (a rule the same all over Japan), or not."""
from __future__ import annotations

import re
from typing import Optional
from urllib.parse import urlsplit

# www.city.x.jp, www.tomioka-town.jp, pref.oita.jp, *.lg.jp
_LOCAL_RE = re.compile(r"(^|[.-])(city|town|vill|pref)[.-]")


def other_local_government(url: str, own_website: str) -> Optional[str]:
    """"prefecture" or "city" for a page of another local government than this city (not its police, not a health
    insurer), else None."""
    host = urlsplit(url).hostname or ""
    if not host or host == urlsplit(own_website).hostname or "police." in host or "kenpo" in host:
        return None
    local = _LOCAL_RE.search(host)
    if local and local.group(2) == "pref":
        return "prefecture"
    return "city" if host.endswith(".lg.jp") or local else None
