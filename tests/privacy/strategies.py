"""Hypothesis strategies for personal data as residents write it: every digit script, separator and phrasing."""
from hypothesis import strategies as st

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def with_check_digit(body: str) -> str:
    total = sum(int(c) * (n + 1 if n <= 6 else n - 5) for n, c in enumerate(reversed(body), start=1))
    remainder = total % 11
    return body + str(0 if remainder <= 1 else 11 - remainder)


my_numbers = st.text(alphabet="0123456789", min_size=11, max_size=11).map(with_check_digit)

# Digit scripts: ASCII, full-width, mathematical bold / double-struck / monospace, Arabic-Indic, Devanagari, kanji.
SCRIPTS = {
    "ascii": "0123456789",
    "full": "０１２３４５６７８９",
    "math_bold": "".join(chr(0x1D7CE + n) for n in range(10)),
    "math_double": "".join(chr(0x1D7D8 + n) for n in range(10)),
    "math_mono": "".join(chr(0x1D7F6 + n) for n in range(10)),
    "arabic": "".join(chr(0x0660 + n) for n in range(10)),
    "devanagari": "".join(chr(0x0966 + n) for n in range(10)),
    "kanji": "〇一二三四五六七八九",
    "kanji_rei": "零一二三四五六七八九",
}
scripts = st.sampled_from(sorted(SCRIPTS))

# What residents put between digit groups.
SEPARATORS = [" ", "  ", "   ", " - ", "-", "－", "‐", "–", "—", "―", "−", "ー", "\u2011", "\u00a0", "\u3000", "/",
              "／", ",", "，", "、", "\n", "\t", "\u00ad", ".", "．", "・", " – ", "\r\n", "\u200b"]
separators = st.sampled_from(SEPARATORS)

# Text around a number, with no digits in it.
japanese = st.text(alphabet="あいうえおかきくけこマイナンバーカード暗証を忘れた私のはです。、 ", max_size=20)


def write(digits: str, script: str) -> str:
    return digits.translate(str.maketrans("0123456789", SCRIPTS[script]))


@st.composite
def grouped(draw, digits: str, max_groups: int = 6) -> str:
    """The digits split into groups at random places, any separator between two groups, any script."""
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=max_groups - 1)))
    parts = [digits[a:b] for a, b in zip([0] + cuts, cuts + [len(digits)])]
    script = draw(scripts)
    text = write(parts[0], script)
    for part in parts[1:]:
        text += draw(separators) + write(part, script)
    return text


# Numbers that may stand right before a My Number (令和6 480206450527) -- a space between them.
leading_numbers = st.sampled_from(["令和6 ", "6 ", "No.1 ", "2026年 ", "3 ", "12月5日 ", "第2 "])

pins_digits = st.text(alphabet="0123456789", min_size=4, max_size=16)
pins_mixed = st.tuples(st.text(alphabet="abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ", min_size=2, max_size=8),
                       st.text(alphabet="0123456789", min_size=2, max_size=8)).map(lambda p: p[0] + p[1])
pins_letters = st.text(alphabet="bcdfghjkmnpqrstvwxzBCDFGHJKMNPQRSTVWXZ", min_size=4, max_size=16)
