"""The models folder: the live model (current.tar.gz), the one before it (previous.tar.gz), a dated history
of every model put live, the candidate being trained, and the lock that lets one retrain run at a time."""
from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

KEEP_HISTORY = 10  # dated models kept besides the live and the previous one


class Busy(RuntimeError):
    """Another retrain or rollback holds the models folder."""


def _place(source: Path, target: Path) -> None:
    """target becomes a copy of source in one step (a server or `make run` never reads half a file)."""
    part = target.with_name(f".{target.name}.part")
    shutil.copyfile(source, part)
    os.replace(part, target)


def _write(target: Path, text: str) -> None:
    """target holds text, written in one step."""
    part = target.with_name(f".{target.name}.part")
    part.write_text(text, encoding="utf-8")
    os.replace(part, target)


@dataclass(frozen=True)
class Shelf:
    """Paths under one models folder (default models/)."""

    folder: Path

    @property
    def current(self) -> Path:
        return self.folder / "current.tar.gz"

    @property
    def previous(self) -> Path:
        return self.folder / "previous.tar.gz"

    @property
    def current_fingerprint(self) -> Path:
        """What the live model was trained from (assistant/retrain/fingerprint.py), written when it went live."""
        return self.folder / "current.fingerprint"

    @property
    def previous_fingerprint(self) -> Path:
        return self.folder / "previous.fingerprint"

    @property
    def refused_fingerprint(self) -> Path:
        """The last candidate the gate refused: its training fingerprint and the live model it was compared with."""
        return self.folder / "refused.fingerprint"

    def refuse(self, fingerprint: str, live_model_id: str) -> None:
        """Records that a candidate trained from `fingerprint` was refused against the live model `live_model_id`."""
        _write(self.refused_fingerprint, f"{fingerprint}\n{live_model_id}\n")

    def refused(self, live_model_id: str) -> Optional[str]:
        """The fingerprint of the candidate last refused against this live model; None when none was (or the live
        model has changed since: a rollback or another model deserves a new comparison)."""
        lines = (self.recorded(self.refused_fingerprint) or "").splitlines()
        return lines[0] if len(lines) == 2 and lines[1] == live_model_id else None

    @staticmethod
    def recorded(fingerprint_file: Path) -> Optional[str]:
        """A fingerprint kept beside a model; None when not known (e.g. a model `make train` made)."""
        try:
            return fingerprint_file.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    @property
    def history(self) -> Path:
        return self.folder / "history"

    @property
    def candidate_dir(self) -> Path:
        return self.folder / "candidate"

    @property
    def candidate(self) -> Path:
        return self.candidate_dir / "candidate.tar.gz"

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One retrain or rollback at a time on this folder (Busy otherwise, at once)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".retrain.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise Busy(f"another retrain or rollback is running on {self.folder}") from None
            yield

    def dated_copy(self, model: Path, model_id: str) -> Path:
        """A copy of model under history/ with a name no server has loaded before (what PUT /model is given)."""
        self.history.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = self.history / f"{stamp}-{model_id[:12]}.tar.gz"
        _place(model, target)
        return target

    def promote(self, live: Path, fingerprint: Optional[str] = None) -> None:
        """live (a file in history/) becomes current.tar.gz with its training fingerprint (None: unknown); the
        current one becomes previous.tar.gz, its fingerprint with it."""
        if self.current.exists():
            _place(self.current, self.previous)
            if self.current_fingerprint.exists():
                _place(self.current_fingerprint, self.previous_fingerprint)
            else:
                self.previous_fingerprint.unlink(missing_ok=True)
        self.current_fingerprint.unlink(missing_ok=True)  # never a fingerprint beside a model it does not describe
        _place(live, self.current)
        if fingerprint:
            _write(self.current_fingerprint, fingerprint + "\n")
        self._prune()

    def _prune(self) -> None:
        dated = sorted(self.history.glob("*.tar.gz"))
        for old in dated[:-KEEP_HISTORY]:
            old.unlink()
