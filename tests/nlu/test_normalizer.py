"""The text normalizer: width, long vowels, variant spellings, control characters."""
import pytest

from assistant.text import TextNormalizer, load_vocabulary, to_katakana


@pytest.fixture(scope="module")
def normalize() -> TextNormalizer:
    return TextNormalizer.from_file()


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ", "マイナンバーカード"),  # half-width katakana
        ("マイナンバカード", "マイナンバーカード"),  # dropped long vowel
        ("マイナンバ-カ-ド", "マイナンバーカード"),  # hyphen for the long vowel
        ("まいなんばーかーど", "マイナンバーカード"),  # kana only
        ("個人番号カード", "マイナンバーカード"),
        ("マイナカード", "マイナンバーカード"),
        ("暗唱番号", "暗証番号"),  # the classic wrong kanji
        ("あんしょうばんごう", "暗証番号"),
        ("PIN番号", "暗証番号"),
        ("パスワード", "暗証番号"),
        ("保検証", "保険証"),
        ("電子証名書", "電子証明書"),  # 明 typed as 名
        ("ＭＹ　ＮＵＭＢＥＲ　ＣＡＲＤ", "マイナンバーカード"),  # full-width Latin and spaces
        ("１２３４円", "1234円"),  # full-width digits
    ],
)
def test_variants_become_one_spelling(normalize, typed, expected):
    assert normalize(typed) == expected


def test_canonical_words_are_left_alone(normalize):
    assert normalize("マイナンバーカードの暗証番号") == "マイナンバーカードの暗証番号"
    assert normalize("マイナ保険証") == "マイナ保険証"
    assert normalize("マイナンバー") == "マイナンバー"


def test_control_and_invisible_characters_become_spaces(normalize):
    assert normalize("カード\x00を\u200bなくした\r\n") == "カード を なくした"


def test_empty_and_none(normalize):
    assert normalize("") == ""
    assert normalize(None) == ""
    assert normalize("   \t ") == ""


def test_long_vowel_lookalikes_only_after_katakana(normalize):
    assert normalize("カ〜ド") == "カード"
    assert normalize("10-20") == "10-20"


def test_to_katakana():
    assert to_katakana("あんしょう番号") == "アンショウ番号"


def test_vocabulary_file_is_well_formed():
    pairs = load_vocabulary(__import__("assistant.text", fromlist=["DEFAULT_VOCABULARY"]).DEFAULT_VOCABULARY)
    assert len(pairs) > 50
    # Longest first, so a short variant never matches inside a longer one.
    lengths = [len(v) for v, _ in pairs]
    assert lengths == sorted(lengths, reverse=True)


def test_bad_vocabulary_names_the_file(tmp_path):
    bad = tmp_path / "normalization.yml"
    bad.write_text("normalization:\n  暗証番号: 暗唱番号\n", encoding="utf-8")
    with pytest.raises(ValueError, match="normalization.yml: normalization.暗証番号"):
        load_vocabulary(bad)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("スマホを持っとらんのじゃが、作れるんかのう", "スマホを持っていないのだが、作れるのかな"),
        ("いくらかかるんじゃろか", "いくらかかるんだろうか"),
        ("手数料なんぼ", "手数料いくら"),
        ("なにを すりゃええんか わからん", "なにを すればいいんか わからない"),
        ("まちごうて ロックしてしもうた", "まちごうて ロックしてしまった"),
        ("カード持っとらへん", "カード持っていない"),
    ],
)
def test_dialect_endings_read_as_standard_japanese(normalize, typed, expected):
    assert normalize(typed) == expected


@pytest.mark.parametrize("text", ["じゃがいも", "ええと、カードのこと", "できんの?", "おとる"])
def test_short_dialect_lookalikes_are_left_alone(normalize, text):
    assert normalize(text) == text


def test_circled_numbers_stay_question_numbers(normalize):
    assert normalize("①受け取れますか ②お金は？") == "1) 受け取れますか 2) お金は?"


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("myna card nakushita, keisatsu ni todoke dasanai to dame desu ka?",
         "マイナンバーカード なくした, けいさつ に とどけ ださない と だめ です か?"),
        ("signature no password wasureta. conbini de reset dekiru tte hontou?",
         "signature の 暗証番号 わすれた. コンビニ で reset できる って ほんとう?"),
        ("Mainanbaa kaado no anshoubangou wo wasuremashita", "マイナンバーカード の 暗証番号 を わすれました"),
        # Past and conditional endings only, no particle a word of English could be.
        ("kaado no kigen kireta. doushitara ii?", "カード の きげん きれた. どうしたら いい?"),
    ],
)
def test_a_message_in_romaji_is_read_as_kana(normalize, typed, expected):
    assert normalize(typed) == expected


@pytest.mark.parametrize(
    "english",
    [
        "how do i get a new card after losing it? and how much does it cost",
        "can i make it online? i have no time",
        "i got sms 'マイナポイント expire, click here'. これ ほんとう?",
        "online 申請 muzukashii. help me",
        "do i need to go to the office?",
        "i made a mistake in my name",
        "how do i use the pittari service?",
        "can we do it at home? same time as last june",
        "the data on the beta site is here",
    ],
)
def test_english_words_and_messages_stay_as_typed(normalize, english):
    assert normalize(english) == english

