"""Putting a trained model into running Rasa servers (PUT /model), checked by the fingerprint each then serves.

Every swap goes through `swap_servers`. The model is always given by a path that server has not served
before (models/history/<time>-<id>.tar.gz): the NLU workers beside a server (assistant/server/nlu_pool.py)
compare the server's model path with their own and leave the parse to the server when they differ, so a
resident's message is never understood by the model that was replaced.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional, Sequence, Tuple

DEFAULT_URL = "http://127.0.0.1:5005"
# Loading a model in a server takes some 20 s on 2 cores (GiNZA, the featurizers); allow a busy machine.
LOAD_TIMEOUT_SECONDS = 180


class SwapError(RuntimeError):
    """A server could not be given the model."""


def server_urls(env: Optional[Mapping[str, str]] = None) -> Tuple[str, ...]:
    """The running Rasa servers: MADOGUCHI_RASA_URLS (comma-separated), else MADOGUCHI_RASA_URL, else the default."""
    env = os.environ if env is None else env
    raw = env.get("MADOGUCHI_RASA_URLS", "").strip() or env.get("MADOGUCHI_RASA_URL", "").strip() or DEFAULT_URL
    urls = tuple(u.strip().rstrip("/") for u in raw.split(",") if u.strip())
    bad = [u for u in urls if not u.startswith(("http://", "https://"))]
    if bad:
        from assistant.settings import SettingsError

        raise SettingsError(f"MADOGUCHI_RASA_URLS: not an http:// or https:// address: {bad[0]!r}")
    return urls


def api_token(data_dir: Path, env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The servers' API token as they hold it: MADOGUCHI_API_TOKEN, the file MADOGUCHI_API_TOKEN_FILE names,
    or data/api_token (written by `madoguchi run`); None when there is none (nothing is created here)."""
    env = os.environ if env is None else env
    token = env.get("MADOGUCHI_API_TOKEN", "").strip()
    for path in (env.get("MADOGUCHI_API_TOKEN_FILE", "").strip(), str(data_dir / "api_token")):
        if not token and path and Path(path).is_file():
            token = Path(path).read_text(encoding="utf-8").strip()
    return token or None


def model_id(path: Path) -> str:
    """The fingerprint Rasa gives a trained model (what GET /status reports as model_id), from the archive's
    metadata.json (as Rasa's LocalModelStorage reads it, without loading Rasa and TensorFlow here)."""
    import tarfile

    with tarfile.open(path, "r:gz") as archive:
        member = next(m for m in archive.getmembers() if m.name.lstrip("/") == "metadata.json")
        return json.loads(archive.extractfile(member).read().decode("utf-8"))["model_id"]


def _call(method: str, url: str, token: str, body: Optional[dict] = None, timeout: float = 10) -> Optional[dict]:
    data = None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        raw = resp.read()
    return json.loads(raw.decode("utf-8")) if raw else None


def serving(url: str, token: str) -> Optional[str]:
    """The model_id a server serves, or None when nothing answers there (not running)."""
    try:
        status = _call("GET", f"{url}/status?token={urllib.parse.quote(token)}", token)
    except urllib.error.HTTPError as err:
        raise SwapError(f"{url}: GET /status answered {err.code}" + (" (wrong API token?)" if err.code in (401, 403) else ""))
    except OSError:
        return None
    return (status or {}).get("model_id") or ""


def put_model(url: str, token: str, path: Path, expected_id: str) -> None:
    """PUT /model on one server, then its GET /status must report the model's fingerprint."""
    try:
        _call("PUT", f"{url}/model?token={urllib.parse.quote(token)}", token, {"model_file": str(path.resolve())},
              timeout=LOAD_TIMEOUT_SECONDS)
    except urllib.error.HTTPError as err:
        detail = err.read().decode("utf-8", "replace")[:300]
        raise SwapError(f"{url}: PUT /model answered {err.code}: {detail}") from None
    except OSError as err:
        raise SwapError(f"{url}: PUT /model failed: {err}") from None
    now = serving(url, token)
    if now != expected_id:
        raise SwapError(f"{url}: serves model {now!r} after PUT /model, not {expected_id!r}")


@dataclass
class SwapResult:
    """What each server did: swapped (url list), not running (url list)."""

    swapped: List[str]
    not_running: List[str]


def swap_servers(path: Path, urls: Sequence[str], token: Optional[str], fallback: Optional[Path] = None) -> SwapResult:
    """Gives every running server the model at `path` (a path none of them has served: see the module's text).
    When one fails, the servers already swapped get `fallback` back and SwapError is raised."""
    expected = model_id(path)
    result = SwapResult([], [])
    for url in urls:
        if not token:
            try:
                urllib.request.urlopen(f"{url}/", timeout=5).close()
            except urllib.error.HTTPError:
                pass  # something answers there
            except OSError:
                result.not_running.append(url)
                continue
            raise SwapError(f"{url} is running but no API token is known (MADOGUCHI_API_TOKEN or data/api_token)")
        try:
            if serving(url, token) is None:
                result.not_running.append(url)
                continue
            put_model(url, token, path, expected)
        except SwapError:
            if fallback is not None and result.swapped:
                back = model_id(fallback)
                for done in result.swapped:
                    put_model(done, token, fallback, back)
            raise
        result.swapped.append(url)
    return result
