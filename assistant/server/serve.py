"""The Rasa server's entry point used by the launcher: `rasa run` with the API token read from the
environment or a file, so that it never appears on a command line (`ps` shows every process's arguments)."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

from assistant.server.lifecycle import PRIVATE_UMASK

TOKEN_ENV = "MADOGUCHI_API_TOKEN"
TOKEN_FILE_ENV = "MADOGUCHI_API_TOKEN_FILE"


def read_token() -> str:
    """MADOGUCHI_API_TOKEN, or the first line of the file MADOGUCHI_API_TOKEN_FILE names."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    path = os.environ.get(TOKEN_FILE_ENV, "").strip()
    if not token and path:
        token = Path(path).read_text(encoding="utf-8").strip()
    if not token:
        raise SystemExit(f"the Rasa HTTP API needs a token: set {TOKEN_ENV} or {TOKEN_FILE_ENV}")
    return token


def skip_unused_imports() -> None:
    """TensorFlow (which Rasa's modules import) imports JAX whenever it is installed, for a TFLite conversion the
    server never runs, and carries on without it: the Rasa server starts 2-3 s sooner and holds about 100 MB less."""
    sys.modules.setdefault("jax", None)  # `import jax` then raises ImportError, which TensorFlow expects


def main(argv: Optional[List[str]] = None) -> None:
    """`python -m assistant.server.serve --model ... --port ...`: the arguments of `rasa run`, without a token."""
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a == "--auth-token" or a.startswith("--auth-token=") for a in args):
        raise SystemExit("pass the token by environment (MADOGUCHI_API_TOKEN) or file (MADOGUCHI_API_TOKEN_FILE)")
    os.umask(PRIVATE_UMASK)  # the tracker store's SQLite files, their -wal and -shm: 0600
    token = read_token()
    # endpoints*.yml send the action server's shared secret; without one the header is empty.
    os.environ.setdefault("MADOGUCHI_ACTION_SECRET", "")
    # Only this process's own copy of its arguments holds the token; /proc/<pid>/cmdline keeps the original.
    sys.argv = ["rasa", "run", *args, "--enable-api", f"--auth-token={token}"]
    skip_unused_imports()
    from rasa.__main__ import main as rasa_main

    from assistant.server.patches import PatchRefused, apply_all

    try:
        apply_all()  # every change to Rasa's code, checked against the installed Rasa (assistant/server/patches/)
    except PatchRefused as refused:
        raise SystemExit(f"the Rasa server does not start: {refused}") from None

    rasa_main()


if __name__ == "__main__":
    main()
