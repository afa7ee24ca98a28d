"""The store audit finds valid My Numbers in any format, and nothing else."""
from assistant.cli import main as cli_main
from assistant.privacy.scan import find_my_numbers
from tests.privacy.strategies import with_check_digit

NUMBER = with_check_digit("12345678901")


def test_finds_numbers_in_every_format():
    text = f"番号{NUMBER}です {NUMBER[:4]}-{NUMBER[4:8]}-{NUMBER[8:]} ：{NUMBER.translate(str.maketrans('0123456789', '０１２３４５６７８９'))}"
    assert find_my_numbers(text) == [NUMBER] * 3


def test_finds_numbers_in_json_escaped_text():
    # Rasa stores events as JSON with \\u escapes: 「は」 is \\u306f, 「を」 is \\u3092.
    assert find_my_numbers(f'"text": "\\u306f{NUMBER}\\u3067"') == [NUMBER]
    assert find_my_numbers(f'"text": "\\u3092{NUMBER}"') == [NUMBER]


def test_ignores_wrong_check_digits_timestamps_ids_and_longer_numbers():
    wrong = NUMBER[:11] + str((int(NUMBER[11]) + 1) % 10)
    assert find_my_numbers(f"{wrong} 1795654821.123456 9{NUMBER}9 ecb78c9c{NUMBER}de3c") == []


def test_scan_command_fails_when_a_number_is_stored(tmp_path, capsys):
    (tmp_path / "clean.log").write_text("暗証番号は［暗証番号］", encoding="utf-8")
    assert cli_main(["scan", str(tmp_path)]) == 0
    (tmp_path / "leak.log").write_text(f"番号 {NUMBER}", encoding="utf-8")
    assert cli_main(["scan", str(tmp_path)]) == 1
    assert NUMBER not in capsys.readouterr().out


def test_sqlite_files_are_read_cell_by_cell_including_the_write_ahead_log(tmp_path):
    import sqlite3

    from assistant.privacy.scan import scan_files

    db = tmp_path / "store.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (a TEXT, b TEXT)")
    # Neighbouring cells whose digits would join into a valid number in the raw file.
    conn.execute("INSERT INTO t VALUES (?, ?)", (f"x {NUMBER[:6]}", f"{NUMBER[6:]} y"))
    conn.commit()
    assert scan_files([tmp_path]) == []
    conn.execute("INSERT INTO t VALUES (?, ?)", (f"番号{NUMBER}", ""))
    conn.commit()  # still in the write-ahead log, not yet in the main file
    assert [n for _, n in scan_files([tmp_path])] == [NUMBER]
    conn.close()
