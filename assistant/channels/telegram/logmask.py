"""Logging for the bridge: secrets (the bot token above all) masked, chatty libraries quiet."""
from __future__ import annotations

import logging
from typing import Callable


class SecretMask(logging.Filter):
    """Replaces secrets (the bot token above all) in a record's message, traceback and stack text."""

    def __init__(self, *values: str) -> None:
        super().__init__()
        found = set()
        for value in values:
            if value:
                found.add(value)
                tail = value.split(":", 1)[-1]  # a bot token's secret half
                if len(tail) >= 8:
                    found.add(tail)
        self.values = sorted(found, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def install_log_mask(*values: str) -> Callable[[], None]:
    """Masks the values in every record the root logger's handlers see; returns the undo."""
    mask = SecretMask(*values)
    root = logging.getLogger()
    targets = [root, *root.handlers]
    for target in targets:
        target.addFilter(mask)

    def remove() -> None:
        for target in targets:
            target.removeFilter(mask)

    return remove


def quiet_libraries() -> None:
    """httpx logs every request URL (with the bot token); PTB's debug records hold whole updates."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(logging.INFO)
