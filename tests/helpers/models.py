"""Stand-in model archives for tests that never load a model: only Rasa's metadata.json, which `model_id` reads."""
from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path


def metadata_only_model(path: Path, model_id: str) -> Path:
    """A models archive at path whose Rasa fingerprint (`model_id`) is the given one."""
    body = json.dumps({"model_id": model_id}).encode("utf-8")
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("metadata.json")
        info.size = len(body)
        archive.addfile(info, io.BytesIO(body))
    return path
