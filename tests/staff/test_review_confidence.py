"""MADOGUCHI_REVIEW_CONFIDENCE: the confidence under which an answer comes to the review queue as 「自信の低い回答」."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from assistant.settings import Settings, SettingsError
from assistant.staff.review_queue import gather
from assistant.storage.db import make_engine, migrate
from assistant.storage.models import ReviewItem
from tests.helpers.review import Tracker


def test_the_threshold_is_a_setting_between_0_and_1():
    assert Settings.from_env({}).review_confidence == 0.7
    assert Settings.from_env({"MADOGUCHI_REVIEW_CONFIDENCE": "0.6"}).review_confidence == 0.6
    for wrong in ("70%", "1.5", "-0.1"):
        with pytest.raises(SettingsError, match="MADOGUCHI_REVIEW_CONFIDENCE"):
            Settings.from_env({"MADOGUCHI_REVIEW_CONFIDENCE": wrong})


@pytest.mark.parametrize("threshold, queued", [("", {"写真の背景は白じゃないとだめ?", "受取に必要な物は?"}),
                                               ("0.5", {"写真の背景は白じゃないとだめ?"}),
                                               ("0.3", set())])
def test_the_console_queues_answers_below_the_configured_confidence(tmp_path, monkeypatch, threshold, queued):
    for name in ("MADOGUCHI_PG_HOST", "MADOGUCHI_TRACKER_DB"):
        monkeypatch.delenv(name, raising=False)
    tracker = Tracker(tmp_path / "tracker.db")  # the embedded profile's tracker store in the data folder
    tracker.says("c", "写真の背景は白じゃないとだめ？", "apply_photo", 0.42, ["apply_photo/rules"])
    tracker.says("f", "受取に必要な物は？", "receive_card", 0.62, ["receive_card/what_to_bring"])
    tracker.says("g", "暗証番号を忘れた", "pin_forgotten_locked", 0.95, ["pin_forgotten_locked/forgotten_locked"])
    settings = Settings.from_env({"MADOGUCHI_DATA_DIR": str(tmp_path), "MADOGUCHI_REVIEW_CONFIDENCE": threshold})
    migrate(settings.database_url)
    gather(settings)
    product = make_engine(settings.database_url)
    with product.connect() as conn:
        rows = conn.execute(sa.select(ReviewItem.text, ReviewItem.kind)).all()
    product.dispose()
    assert {text for text, _ in rows} == queued
    assert {kind for _, kind in rows} <= {"low_confidence"}
