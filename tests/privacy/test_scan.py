"""`madoguchi scan` finds every format redaction knows, in plain files, JSON-escaped stores and SQLite cells."""
import io
import json
import sqlite3
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from assistant.cli import main as cli_main
from tests.privacy.strategies import grouped, japanese, leading_numbers, my_numbers, pins_digits, pins_mixed, write

FORMATS = settings(max_examples=150, deadline=None)


PRINTED = []


def scan(text: str, *flags: str, escaped: bool = False) -> int:
    """`madoguchi scan` over a folder holding the text; what it printed goes to PRINTED."""
    with tempfile.TemporaryDirectory() as folder, redirect_stdout(io.StringIO()) as out:
        body = json.dumps({"event": "user", "text": text}) if escaped else text  # as the tracker store keeps it
        (Path(folder) / "store.log").write_text(body, encoding="utf-8")
        code = cli_main(["scan", folder, *flags])
    PRINTED[:] = [out.getvalue().replace(folder, "<folder>")]
    return code


@FORMATS
@given(number=my_numbers, data=st.data(), before=japanese, after=japanese, escaped=st.booleans())
def test_finds_my_numbers_in_any_grouping_separator_and_script(number, data, before, after, escaped):
    assert scan(before + data.draw(grouped(number)) + after, escaped=escaped) == 1
    assert "valid My Number found" in PRINTED[0] and number not in PRINTED[0]


@FORMATS
@given(number=my_numbers, lead=leading_numbers, pin=st.text(alphabet="0123456789", min_size=4, max_size=4))
def test_finds_a_number_after_another_number_and_before_a_pin(number, lead, pin):
    assert scan(f"{lead}{number} {pin}") == 1


@pytest.mark.parametrize("typed", ["四八〇二〇六四五〇五二七", "𝟒𝟖𝟎𝟐𝟎𝟔𝟒𝟓𝟎𝟓𝟐𝟕", "4802\u00ad0645\u00ad0527", "4802\u20110645\u20110527",
                                   "4802 – 0645 – 0527", "4802\n0645\n0527", "令和6 480206450527"])
def test_finds_the_formats_it_missed_before(typed):
    assert scan(typed) == 1 and scan(typed, escaped=True) == 1


@FORMATS
@given(pin=st.one_of(pins_digits, pins_mixed), template=st.sampled_from(
    ["暗証番号は{}です", "パスワードは{}", "{}が暗証番号です", "暗証番号を言います。{}", "my PIN is {}", "password is {}", "暗証コード{}"]))
def test_finds_pins(pin, template):
    assert scan(template.format(pin)) == 1
    assert "PIN found" in PRINTED[0] or "valid My Number found" in PRINTED[0]
    assert pin not in PRINTED[0]


@pytest.mark.parametrize("typed", ["電話は(090)6677-8899です", "090–6677–8899", "０９０－６６７７－８８９９", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ",
                                   "hanako@市役所.jp", "jiro at example dot com"])
def test_finds_phones_and_e_mails_when_asked_for_contacts(typed):
    assert scan(typed) == 0  # not by default: the desk's number and consented callbacks are stored on purpose
    assert scan(typed, "--contacts") == 1
    assert scan(write(typed, "full"), "--contacts", escaped=True) == 1


def test_redacted_text_ordinary_numbers_and_the_desks_number_pass(capsys):
    text = ("暗証番号は［暗証番号］です。番号は［個人番号］、電話は［電話番号］。2026/12/05に1,000円、〒123-4567、"
            "申請書ID 12345678901234567890123、令和6年。窓口は0120-000-111です")
    assert scan(text, "--contacts") == 0 and scan(text, escaped=True) == 0


def test_consented_callback_numbers_in_the_handoff_record_pass(tmp_path):
    db = tmp_path / "madoguchi.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE handoffs (id INTEGER, callback_phone TEXT, note TEXT)")
    conn.execute("INSERT INTO handoffs VALUES (1, '090-6677-8899', '')")
    conn.commit()
    assert cli_main(["scan", str(tmp_path), "--contacts"]) == 0
    conn.execute("INSERT INTO handoffs VALUES (2, '', '電話は090-6677-8899')")
    conn.commit()
    conn.close()
    assert cli_main(["scan", str(tmp_path), "--contacts"]) == 1


def test_binary_files_such_as_screenshots_are_skipped(tmp_path):
    (tmp_path / "shot.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + "暗証番号は5921".encode())
    assert cli_main(["scan", str(tmp_path)]) == 0
    (tmp_path / "chat.log").write_bytes("暗証番号は5921".encode())
    assert cli_main(["scan", str(tmp_path)]) == 1


def test_a_stored_confidence_is_not_read_as_a_my_number():
    from assistant.privacy.scan import find_my_numbers, find_personal_data

    # 830660917139 has a valid check digit; as the fraction of a JSON number it is not a resident's text
    stored = '{"intent_ranking": [{"name": "a", "confidence": 9.830660917139e-07}, {"c": 0.830660917139}]}'
    assert find_personal_data(stored) == []
    assert find_my_numbers('{"text": "番号は 8306.6091.7139 です", "confidence": 0.5}') == ["830660917139"]
