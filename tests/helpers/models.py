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


class OfflineRetrain:
    """`madoguchi retrain` over a copy of the entries' training data and config.yml, with no server running and
    no real training: each candidate is a stand-in archive whose training fingerprint is kept in `trained`, and
    the gate's verdict is `evaluate`'s."""

    def __init__(self, tmp_path: Path, monkeypatch, evaluate, token: str) -> None:
        import shutil

        from assistant.retrain import cli, gate
        from assistant.retrain.fingerprint import fingerprint
        from assistant.retrain.shelf import Shelf
        from assistant.server.ports import free_port
        from assistant.settings import PROJECT_ROOT

        self.data, self.config = tmp_path / "nlu_data", tmp_path / "config.yml"
        shutil.copytree(PROJECT_ROOT / "nlu_data" / "entries", self.data / "entries")
        shutil.copyfile(PROJECT_ROOT / "config.yml", self.config)
        self.shelf = Shelf(tmp_path / "models")
        self.shelf.folder.mkdir()
        metadata_only_model(self.shelf.current, "live-model")
        self.trained = []

        def train(shelf, config, data):
            self.trained.append(fingerprint(config, data))
            shelf.candidate_dir.mkdir(parents=True, exist_ok=True)
            return metadata_only_model(shelf.candidate, f"candidate-{len(self.trained)}")

        monkeypatch.setattr(cli, "train_candidate", train)
        monkeypatch.setattr(gate, "evaluate", evaluate)
        monkeypatch.setenv("MADOGUCHI_RASA_URLS", f"http://127.0.0.1:{free_port()}")  # no server running there
        monkeypatch.setenv("MADOGUCHI_API_TOKEN", token)
        monkeypatch.setenv("MADOGUCHI_DATA_DIR", str(tmp_path / "data"))
        self.command = ["retrain", "--data", str(self.data), "--config", str(self.config), "--models", str(self.shelf.folder)]
