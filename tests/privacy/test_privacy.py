"""Redaction at the door: valid My Numbers in any format never pass; ordinary numbers are left alone."""
import pytest
from hypothesis import given, settings, strategies as st

from assistant.privacy import (
    CORPORATE_NUMBER, EMAIL, MY_NUMBER, PHONE, PIN, is_corporate_number, is_my_number, redact,
)
from tests.privacy.strategies import FULL_WIDTH, with_check_digit

my_numbers = st.text(alphabet="0123456789", min_size=11, max_size=11).map(with_check_digit)


def formats(number: str):
    return [
        number,
        f"{number[:4]} {number[4:8]} {number[8:]}",
        f"{number[:4]}-{number[4:8]}-{number[8:]}",
        f"{number[:4]}　{number[4:8]}　{number[8:]}",
        number.translate(FULL_WIDTH),
        f"{number[:4]}－{number[4:8]}－{number[8:]}".translate(FULL_WIDTH),
    ]


japanese = st.text(alphabet="あいうえおかきくけこマイナンバーカード暗証番号を忘れた。、 ", max_size=30)


@settings(max_examples=200, deadline=None)
@given(number=my_numbers, before=japanese, after=japanese, style=st.integers(0, 5))
def test_valid_my_numbers_never_pass_in_any_format(number, before, after, style):
    text = f"{before}{formats(number)[style]}{after}"
    result = redact(text)
    digits_left = "".join(c for c in result.text.translate(str.maketrans("０１２３４５６７８９", "0123456789")) if c.isdigit())
    assert number not in digits_left
    assert MY_NUMBER in result.found and result.had_secret


@settings(max_examples=200, deadline=None)
@given(number=my_numbers, delta=st.integers(1, 9))
def test_a_wrong_check_digit_is_left_alone(number, delta):
    wrong = number[:11] + str((int(number[11]) + delta) % 10)
    assert not is_my_number(wrong)
    assert redact(f"番号は{wrong}です").text == f"番号は{wrong}です"


@pytest.mark.parametrize(
    "text",
    ["手数料は1000円です", "2024年12月2日から", "暗証番号は4桁です", "暗証番号を3回間違えた", "10回目の誕生日",
     "23桁の申請書ID", "署名用は6〜16桁", "1,000円", "午後3時30分"],
)
def test_ordinary_numbers_are_left_alone(text):
    assert redact(text).text == text


@pytest.mark.parametrize(
    "text, kind",
    [
        ("電話番号は090-1234-5678です", PHONE),
        ("03-1234-5678に電話して", PHONE),
        ("09012345678", PHONE),
        ("+81 90 1234 5678", PHONE),
        ("メールは taro.yamada@example.co.jp です", EMAIL),
        ("暗証番号は1234です", PIN),
        ("暗証番号：０９８７", PIN),
        ("パスワード ABC12345 がロックされた", PIN),
        ("PIN 5678 wrong", PIN),
        ("会社の法人番号は7000012050002です", CORPORATE_NUMBER),
    ],
)
def test_personal_data_becomes_a_typed_placeholder(text, kind):
    result = redact(text)
    assert kind in result.text
    assert not any(part in result.text for part in ("1234", "5678", "0987", "ABC12345", "7000012050002", "taro"))


def test_only_my_numbers_and_pins_call_for_the_warning():
    assert not redact("090-1234-5678").had_secret
    assert redact("暗証番号は1234").had_secret


def test_check_digit_rules():
    assert is_my_number(with_check_digit("12345678901"))
    assert is_corporate_number("7000012050002")  # a published corporate number
    assert not is_corporate_number("7000012050003")
