"""The store audit finds valid My Numbers in any format, and nothing else."""
from assistant.cli import main as cli_main
from assistant.privacy_scan import find_my_numbers
from tests.test_privacy import with_check_digit

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
