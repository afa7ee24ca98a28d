"""`madoguchi knowledge review`: answers checked too long ago, or whose review_by has come, listed with their source."""
import datetime as dt

from assistant.cli import main as cli_main
from assistant.knowledge import load_knowledge
from assistant.knowledge.currency import due_for_review
from tests.helpers.knowledge import stale_copy

TODAY = "2026-12-06"


def test_review_lists_an_old_check_and_a_passed_review_date_with_their_sources(tmp_path, capsys):
    folder, data = stale_copy(tmp_path)
    assert cli_main(["knowledge", "review", "--knowledge", str(folder), "--today", TODAY]) == 0
    out = capsys.readouterr().out
    assert "確認が必要な回答：2件" in out
    first, reissue = out.split("- fees/first_time")[1], out.split("- fees/reissue")[1]
    assert "2025-03-01" in first.split("\n- ")[0] and data["entries"][0]["source"] in first.split("\n- ")[0]
    assert "見直し日（2026-12-01）" in reissue.split("\n- ")[0] and data["entries"][1]["source"] in reissue.split("\n- ")[0]
    assert "fees/renewal" not in out


def test_months_widen_or_narrow_the_list(tmp_path):
    folder, _ = stale_copy(tmp_path)
    knowledge = load_knowledge(folder)
    today = dt.date.fromisoformat(TODAY)
    keys = [i.key for i in due_for_review(knowledge, today, months=24)]
    assert keys == ["fees/reissue"]  # a check 21 months old is within 24 months; the passed review_by still counts
    everything = due_for_review(knowledge, today + dt.timedelta(days=365), months=6)
    assert {"fees/first_time", "guide:lost_card"} <= {i.key for i in everything}


def test_the_real_knowledge_is_current_today(capsys):
    assert cli_main(["knowledge", "review", "--today", TODAY]) == 0
    assert "確認が必要な回答はありません" in capsys.readouterr().out
