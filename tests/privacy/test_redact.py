"""Normalise, then redact: every way residents write a My Number, PIN, phone or e-mail is replaced, in any
combination; amounts, dates, postcodes and application IDs stay readable; the NLU normaliser reveals nothing."""
import pytest
from hypothesis import given, settings, strategies as st

from assistant.privacy.normalise import normalise
from assistant.privacy.redact import EMAIL, MY_NUMBER, PHONE, PIN, redact
from assistant.privacy.scan import find_my_numbers
from assistant.text import TextNormalizer
from tests.privacy.strategies import (
    SCRIPTS, grouped, japanese, leading_numbers, my_numbers, pins_digits, pins_letters, pins_mixed, scripts,
    separators, write,
)

NLU = TextNormalizer.from_file()
_KANJI = str.maketrans("〇零一二三四五六七八九", "00123456789")
MANY = settings(max_examples=300, deadline=None)


def digits_left(text: str) -> str:
    """Every digit still in a text, in any script, as one string."""
    return "".join(c for c in normalise(text).translate(_KANJI) if c.isdigit())


def assert_hidden(text: str, secret: str, kind: str) -> None:
    result = redact(text)
    assert secret not in digits_left(result.text), (text, result.text)
    # A number right after a word for PIN (暗証 090 6677 8899) may be taken for the PIN: hidden all the same.
    assert kind in result.found or ("暗証" in text and PIN in result.found), (text, result)
    # Nothing later can turn it back: the NLU normaliser's view of the stored text holds no clear form.
    seen = NLU(result.text)
    assert secret not in digits_left(seen) and find_my_numbers(seen) == []
    assert redact(result.text).text == result.text  # redacting again changes nothing


@MANY
@given(number=my_numbers, data=st.data(), before=japanese, after=japanese)
def test_my_numbers_in_any_grouping_separator_and_digit_script(number, data, before, after):
    text = before + data.draw(grouped(number)) + after
    assert_hidden(text, number, MY_NUMBER)
    assert redact(text).had_secret


@MANY
@given(number=my_numbers, data=st.data(), lead=leading_numbers, after=japanese)
def test_a_number_right_after_another_number(number, data, lead, after):
    assert_hidden(f"{lead}{data.draw(grouped(number, max_groups=3))}{after}", number, MY_NUMBER)


@MANY
@given(number=my_numbers, pin=st.text(alphabet="0123456789", min_size=4, max_size=4), sep=st.sampled_from([" ", "  ", "\u3000", "\n"]),
       script=scripts)
def test_a_number_followed_by_its_pin(number, pin, sep, script):
    text = write(number, script) + sep + write(pin, script)
    result = redact(text)
    assert digits_left(result.text) == "" and MY_NUMBER in result.found and PIN in result.found, (text, result)


@pytest.mark.parametrize("typed", [
    "四八〇二〇六四五〇五二七", "四八零二零六四五零五二七", "四八〇二 〇六四五 〇五二七", "𝟒𝟖𝟎𝟐𝟎𝟔𝟒𝟓𝟎𝟓𝟐𝟕",
    "4802\u00ad0645\u00ad0527", "4802 – 0645 – 0527", "令和6 480206450527", "4802,0645,0527", "私の番号は\n4802\n0645\n0527",
])
def test_the_formats_that_leaked_before(typed):
    assert_hidden(typed, "480206450527", MY_NUMBER)


# --- PINs ----------------------------------------------------------------------------------------------
ANY_VALUE = ["暗証番号は{}です", "暗証番号：{}", "パスワードは{}", "暗証コード{}", "パスワード {} がロックされた", "PIN {} wrong",
             "my PIN is {}", "password is {}", "Password: {}", "PINコードは{}", "ＰＩＮは{}", "パスコードは{}", "暗証番号 {}"]
LONG_WAY = ["暗証番号を言います。{}", "暗証番号は、たしか、えーと{}です", "暗証番号を忘れないようにメモしました。{}", "私の暗証番号は多分{}"]
BEFORE = ["{}が暗証番号です", "{}は暗証番号", "{} 暗証番号", "{} is my PIN", "{}がパスワードです"]


@st.composite
def digit_pins(draw):
    pin = draw(pins_digits)
    script = draw(st.sampled_from(["ascii", "full", "math_bold", "kanji"]))
    shown = write(pin, script)
    if draw(st.booleans()) and len(pin) <= 8:
        shown = " ".join(shown)  # 1 2 3 4
    return pin, shown


@MANY
@given(value=digit_pins(), template=st.sampled_from(ANY_VALUE + LONG_WAY + BEFORE))
def test_digit_pins_in_japanese_and_english(value, template):
    pin, shown = value
    result = redact(template.format(shown))
    assert pin not in digits_left(result.text), (template.format(shown), result.text)
    assert result.had_secret


@MANY
@given(pin=pins_mixed, template=st.sampled_from(ANY_VALUE + LONG_WAY + BEFORE))
def test_letter_and_digit_passwords(pin, template):
    result = redact(template.format(pin))
    assert pin not in result.text and PIN in result.found, (template.format(pin), result.text)


@MANY
@given(pin=pins_letters, template=st.sampled_from([t for t in ANY_VALUE if any(w in t for w in ("は", "is", ":", "："))]))
def test_letters_only_passwords(pin, template):
    result = redact(template.format(pin))
    assert pin not in result.text and PIN in result.found, (template.format(pin), result.text)


@pytest.mark.parametrize("text", [
    "暗証番号は4桁です", "暗証番号を3回間違えた", "PIN is wrong", "my password is locked", "パスワードを忘れました",
    "暗証番号の再設定は2階の窓口で", "パスワードは6〜16桁の英数字", "暗証番号を忘れたので、1000円かかりますか",
    "署名用電子証明書のパスワード（英数字6文字以上16文字以下）", "パスポートは2026年まで有効", "暗証番号を4回間違えたらロック",
    "how many wrong tries before the PIN locks?", "entered the wrong PIN twice", "my number card no PIN wasureta",
    "the PIN is locked", "my password is expired", "password 3kai machigaeta", "pin 5kai de lock",
])
def test_pin_words_without_a_pin_stay_readable(text):
    assert redact(text).text == normalise(text) and redact(text).found == []


@pytest.mark.parametrize("text, value", [
    ("password 3kai 1234", "1234"), ("暗証番号3回目は1234", "1234"), ("暗証番号を3回間違えた。番号は1234です", "1234"),
    ("パスワード2回目 abcd1234", "abcd1234"), ("pin 5kaime", "5kaime"),
])
def test_a_pin_after_a_count_is_hidden(text, value):
    """A count between the word and the value (「3回目は」「3kai」) is stepped over; a 6-letter "count" is a password."""
    result = redact(text)
    assert value not in result.text and PIN in result.found, result.text


# --- phones and e-mails ------------------------------------------------------------------------------
PHONE_SEPARATORS = ["-", "－", "–", "—", "ー", "−", " ", "\u2011", "\u00a0"]


@st.composite
def phones(draw):
    kind = draw(st.sampled_from(["mobile", "landline", "free"]))
    rest = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    if kind == "mobile":
        parts = [draw(st.sampled_from(["090", "080", "070"])), rest[:4], rest[4:]]
    elif kind == "landline":
        parts = ["0" + rest[0], rest[1:5], rest[5:8] + draw(st.sampled_from("0123456789"))]
    else:
        parts = ["0120", rest[:3], rest[3:6]]
    sep = draw(st.sampled_from(PHONE_SEPARATORS))
    script = draw(st.sampled_from(["ascii", "full", "math_bold"]))
    parts = [write(p, script) for p in parts]
    style = draw(st.integers(0, 2))
    shown = (f"({parts[0]}){parts[1]}{sep}{parts[2]}" if style == 0 else
             sep.join(parts) if style == 1 else "".join(parts))
    return "".join(p for p in parts).translate(str.maketrans(SCRIPTS[script], "0123456789")), shown


@MANY
@given(phone=phones(), before=japanese, after=japanese)
def test_phone_numbers_in_any_format(phone, before, after):
    digits, shown = phone
    assert_hidden(f"{before}{shown}{after}", digits, PHONE)


def test_international_phone_numbers():
    assert_hidden("電話は +81 90 6677 8899 です", "6677", PHONE)
    assert_hidden("+81-(0)90-6677-8899", "6677", PHONE)


FULL = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "abcdefghijklmnopqrstuvwxyz.@"})


@MANY
@given(local=st.text(alphabet="abcdefghijkmnpqrstuvwxyz", min_size=3, max_size=12),
       domain=st.sampled_from(["example.co.jp", "city.example.lg.jp", "市役所.jp", "例え.テスト", "まどぐち.jp", "mail.example.com"]),
       style=st.sampled_from(["plain", "full", "at_word", "at_paren", "at_kana", "spaced"]), before=japanese, after=japanese)
def test_email_addresses_in_any_format(local, domain, style, before, after):
    if style == "plain":
        shown = f"{local}@{domain}"
    elif style == "full":
        shown = f"{local}@{domain}".translate(FULL)
    elif style == "at_word":
        shown = f"{local} at {domain.replace('.', ' dot ')}"
    elif style == "at_paren":
        shown = f"{local}(at){domain.replace('.', '(dot)')}"
    elif style == "at_kana":
        shown = f"{local}アットマーク{domain.replace('.', 'ドット')}"
    else:
        shown = f"{local} ＠ {domain}"
    result = redact(f"{before} {shown} {after}")
    assert local not in result.text and EMAIL in result.found, (shown, result.text)
    assert local not in NLU(result.text)


# --- what stays readable ---------------------------------------------------------------------------------
@st.composite
def ordinary(draw):
    kind = draw(st.sampled_from(["amount", "date", "wareki", "postcode", "application_id", "grouped_id", "time"]))
    if kind == "amount":
        return f"{draw(st.integers(0, 10 ** 9)):,}円"
    if kind == "date":
        y, m, d = draw(st.integers(1950, 2100)), draw(st.integers(1, 12)), draw(st.integers(1, 28))
        return draw(st.sampled_from([f"{y}/{m:02d}/{d:02d}", f"{y}-{m}-{d}", f"{y}年{m}月{d}日", f"{y}.{m:02d}.{d:02d}"]))
    if kind == "wareki":
        return f"令和{draw(st.integers(1, 30))}年"
    if kind == "postcode":
        return f"〒{draw(st.integers(100, 999))}-{draw(st.integers(0, 9999)):04d}"
    digits = draw(st.text(alphabet="0123456789", min_size=23, max_size=23))
    if kind == "application_id":
        return digits
    if kind == "grouped_id":
        return " ".join(digits[n:n + 4] for n in range(0, 23, 4))
    return f"{draw(st.integers(0, 23))}:{draw(st.integers(0, 59)):02d}"


@MANY
@given(items=st.lists(ordinary(), min_size=1, max_size=4), joiner=st.sampled_from(["に", "と", "で", "から", "の"]),
       width=st.booleans())
def test_amounts_dates_postcodes_and_application_ids_stay_readable(items, joiner, width):
    text = "申請は" + joiner.join(items) + "です"
    if width:
        text = text.translate(str.maketrans("0123456789", SCRIPTS["full"]))
    result = redact(text)
    assert result.text == normalise(text) and result.found == []


@MANY
@given(number=my_numbers, data=st.data())
def test_when_in_doubt_a_valid_twelve_digit_run_is_redacted(number, data):
    """Inside other numbers and words, a run of exactly 12 digits with a valid check digit never stays."""
    context = data.draw(st.sampled_from(["ID:{}", "番号{}番", "{}円", "2026/12/05 {}", "〒123-4567 {}", "{} 23桁の申請書ID"]))
    assert_hidden(context.format(number), number, MY_NUMBER)


@pytest.mark.parametrize("typed", [
    "マイナンバーは123456789012で暗証番号は4821です",  # one digit mistyped: no valid check digit
    "my number is 1234 5678 9012",
    "個人番号：一二三四五六七八九〇一二",
    "マイナンバーカードの番号は 1234-5678-9012 です",
])
def test_twelve_digits_the_resident_calls_a_my_number_are_one_even_mistyped(typed):
    result = redact(typed)
    assert MY_NUMBER in result.text and not any(c.isdigit() for c in result.text.split(MY_NUMBER)[1][:3])
    assert "123456789012" not in normalise(result.text).replace(" ", "").replace("-", "")
    assert find_my_numbers(normalise(typed))


@pytest.mark.parametrize("typed", ["注文番号は123456789012です", "申請は2024年に123456789012件"])
def test_twelve_digits_without_the_word_and_no_valid_check_digit_stay(typed):
    assert MY_NUMBER not in redact(typed).text


def test_circled_question_numbers_reach_the_nlu_as_question_numbers():
    """The door's NFKC would turn 「②作るのに」 into 「2作るのに」; the NLU reads 「2) 」 as another question."""
    text = redact("①代わりに受け取れますか ②作るのにお金はかかりますか").text
    assert "1) 代わりに受け取れますか" in text and "2) 作るのにお金はかかりますか" in text
