"""`madoguchi nlu reviewed`: labelled messages become Rasa retrieval-intent examples (redacted again, de-duplicated,
the latest decision winning), with who and when in a side table and nothing else in the YAML."""
from __future__ import annotations

import csv
import datetime as dt
import os
import stat
import subprocess
import sys

import sqlalchemy as sa

from assistant.settings import PROJECT_ROOT
from assistant.staff.reviewed import Example, labelled, write
from assistant.storage.db import make_engine, migrate
from assistant.storage.models import ReviewItem


def queue(engine, *rows):
    """Items as the gatherer stores them, then the decisions staff made, a minute apart."""
    at = dt.datetime(2026, 12, 1, 1, 0)
    with engine.begin() as conn:
        for n, (text, decision, entry, who) in enumerate(rows):
            item = conn.execute(sa.insert(ReviewItem.__table__).values(
                source="tracker", event_id=n + 1, at=at, kind="unplaced", text=text)).inserted_primary_key[0]
            conn.execute(sa.update(ReviewItem.__table__).where(ReviewItem.id == item).values(
                decision=decision, entry=entry, decided_by=who, decided_at=at + dt.timedelta(minutes=n)))


def read_nlu(path):
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    return RasaYAMLReader().read(path)


def test_labelled_messages_become_retrieval_examples_once_each(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate(url)
    engine = make_engine(url)
    queue(engine,
          ("コンビニで住民票は？", "entry", "convenience_store_certificate/overview", "editor-1"),
          ("コンビニで　住民票は?", "entry", "convenience_store_certificate/hours_stores", "editor-2"),  # same wording
          ("番号は 1234 5678 9018 です [至急](urgent)", "entry", "my_number_lookup/how_to_check", "editor-1"),
          ("- 写真の背景は？", "entry", "apply_photo/rules", "admin-1"),
          ("猫の手続き", "new_answer", None, "editor-1"),
          ("天気", "not_in_scope", None, "editor-1"),
          ("もう無い回答", "entry", "fees/gone", "editor-1"))
    known = {"convenience_store_certificate/overview", "convenience_store_certificate/hours_stores",
             "my_number_lookup/how_to_check", "apply_photo/rules"}
    examples, skipped = labelled(engine, known)
    assert skipped == ["fees/gone: no such answer in knowledge/ any more"]
    path = write(examples, tmp_path / "reviewed")
    text = path.read_text(encoding="utf-8")
    assert "#" not in text and "editor" not in text and "1234 5678" not in text
    data = read_nlu(path)
    assert {(m.get("intent_response_key") or m.get("intent"), m.get("text")) for m in data.training_examples} == {
        ("convenience_store_certificate/hours_stores", "コンビニで 住民票は?"),
        ("my_number_lookup/how_to_check", "番号は ［個人番号］ です ［至急］(urgent)"),
        ("apply_photo/rules", "写真の背景は?"),
    }
    assert data.entities == set()  # brackets a resident typed are not an entity annotation
    with open(tmp_path / "reviewed" / "reviewed_by.csv", encoding="utf-8") as handle:
        side = list(csv.DictReader(handle))
    assert [(r["intent"], r["labelled_by"], r["labelled_at"]) for r in side] == [
        ("apply_photo/rules", "admin-1", "2026-12-01T01:03:00Z"),
        ("convenience_store_certificate/hours_stores", "editor-2", "2026-12-01T01:01:00Z"),
        ("my_number_lookup/how_to_check", "editor-1", "2026-12-01T01:02:00Z"),
    ]
    engine.dispose()


def test_the_command_writes_the_folder_and_an_empty_queue_writes_valid_empty_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    env = dict(os.environ, MADOGUCHI_DATABASE_URL=url, MADOGUCHI_DATA_DIR=str(tmp_path), PYTHONPATH=str(PROJECT_ROOT))
    out = tmp_path / "nlu" / "reviewed"
    command = [sys.executable, "-m", "assistant.cli", "nlu", "reviewed", "--out", str(out)]
    empty = subprocess.run(command, env=env, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert empty.returncode == 0, empty.stderr
    assert "wrote 0 reviewed examples" in empty.stdout
    assert read_nlu(out / "reviewed.yml").training_examples == []
    engine = make_engine(url)
    queue(engine, ("受け取りに何を持っていけばいい", "entry", "receive_card/what_to_bring", "editor-1"))
    engine.dispose()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert done.returncode == 0 and "wrote 1 reviewed examples for 1 answers" in done.stdout, done.stderr
    assert [m.get("intent_response_key") for m in read_nlu(out / "reviewed.yml").training_examples] == [
        "receive_card/what_to_bring"]


def test_the_side_table_naming_staff_is_private_and_kept_out_of_git(tmp_path):
    folder = tmp_path / "reviewed"
    folder.mkdir()
    (folder / "reviewed_by.csv").write_text("old\n", encoding="utf-8")
    os.chmod(folder / "reviewed_by.csv", 0o644)  # as an older version or a copy left it
    write([Example("receive_card/what_to_bring", "何を持っていく", "editor-1", "2026-12-01T01:00:00Z")], folder)
    assert stat.S_IMODE((folder / "reviewed_by.csv").stat().st_mode) == 0o600
    assert "editor-1" in (folder / "reviewed_by.csv").read_text(encoding="utf-8")
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "-q", "nlu_data/reviewed/reviewed_by.csv"],
                             cwd=PROJECT_ROOT)
    assert ignored.returncode == 0, ".gitignore must keep nlu_data/reviewed/reviewed_by.csv out of version control"
    kept = subprocess.run(["git", "check-ignore", "--no-index", "-q", "nlu_data/reviewed/reviewed.yml"], cwd=PROJECT_ROOT)
    assert kept.returncode == 1  # the examples themselves are training data a city keeps
