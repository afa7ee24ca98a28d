"""The knowledge a running server answers from: knowledge/ with the console's published answers over it, looked up again every few seconds."""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import sqlalchemy as sa

from assistant.knowledge import Knowledge, KnowledgeError, load_knowledge

logger = logging.getLogger(__name__)


def load_with(folder: Path, overlay: Mapping[str, Mapping[str, Any]]) -> Knowledge:
    return usable(folder, overlay)[0]


def usable(folder: Path, overlay: Mapping[str, Mapping[str, Any]]) -> Tuple[Knowledge, Dict[str, Mapping[str, Any]]]:
    """knowledge/ with the overlay, and the overlay used: a published answer the files no longer accept (its
    placeholder was taken out of municipality.yml) is left out with an error in the log, never stopping the answers."""
    overlay = dict(overlay)
    while True:
        try:
            return load_knowledge(folder, overlay), overlay
        except KnowledgeError as exc:
            dropped = [key for key in overlay if key.split("/", 1)[0] == exc.path.stem]
            if not dropped:
                raise
            logger.error("published answers %s are not used: %s", ", ".join(dropped), exc)
            for key in dropped:
                overlay.pop(key)


class LiveKnowledge:
    """knowledge/ plus the published versions of answer_versions; `current()` looks at the table at most every
    `refresh_seconds` and reloads only when a version was published since."""

    def __init__(self, folder: Path, database_url: str, refresh_seconds: float = 20,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.folder, self.database_url, self.refresh_seconds, self.clock = Path(folder), database_url, refresh_seconds, clock
        self._knowledge: Optional[Knowledge] = None
        self._yes_no: Dict[str, Any] = {}
        self._signature: Any = None
        self._next_look = 0.0
        self._versions = None
        self._lock = threading.Lock()
        self._warned = False

    def versions(self):
        from assistant.knowledge.versions import AnswerVersions

        if self._versions is None:
            self._versions = AnswerVersions.from_url(self.database_url)
        return self._versions

    def current(self) -> Knowledge:
        with self._lock:
            now = self.clock()
            if self._knowledge is None or now >= self._next_look:
                self._next_look = now + self.refresh_seconds
                self._refresh()
            return self._knowledge

    def yes_no(self) -> Dict[str, Any]:
        """The はい/いいえ short answers (knowledge/yes_no.yml with those published in the console over it), looked up
        with the answers, so a published answer and its short answer change together."""
        self.current()
        return self._yes_no

    def _short_answers(self, published: Mapping[str, Mapping[str, Any]]) -> Dict[str, Any]:
        from assistant.knowledge.yes_no import FILE_NAME, file_table, with_published

        if not (self.folder / FILE_NAME).is_file():
            return {}
        return with_published(file_table(self.folder), published, self.folder / FILE_NAME)

    def _refresh(self) -> None:
        try:
            signature = self.versions().signature()
            overlay: Optional[Dict[str, Dict[str, Any]]] = (self.versions().overlay()
                                                            if signature != self._signature or self._knowledge is None else None)
            shorts = self.versions().short_overlay() if overlay is not None else {}
        except sa.exc.SQLAlchemyError as exc:
            # No database (or not migrated yet): the files' answers, and another look later.
            if not self._warned:
                logger.warning("published answers not read (the files' answers are used): %s", type(exc).__name__)
                self._warned = True
            if self._knowledge is None:
                self._knowledge = load_knowledge(self.folder)
                self._yes_no = self._short_answers({})
            return
        self._warned = False
        if overlay is None:
            return
        self._knowledge = load_with(self.folder, overlay)
        self._yes_no = self._short_answers(shorts)
        if self._signature is not None or overlay:
            logger.info("answers: %d published in the console are live", len(overlay))
        self._signature = signature
