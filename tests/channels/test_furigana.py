"""Furigana: the expected readings of tests/data/furigana_expected.tsv, and no known-wrong reading in any text of knowledge/."""
import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
import yaml

from assistant.channels.furigana import get_furigana
from assistant.settings import PROJECT_ROOT

EXPECTED = Path(__file__).parents[1] / "data" / "furigana_expected.tsv"
KNOWLEDGE = PROJECT_ROOT / "knowledge"
# Keys whose values the resident never sees: ids, sources, and the patterns over the resident's words.
NOT_SHOWN = {"id", "source", "signals", "unless", "topic", "topics", "as_of", "questions", "value", "when", "pattern",
             "channel", "bait", "already", "entry", "in_domain", "giving_up", "vague"}


def rows() -> List[Tuple[str, str]]:
    lines = EXPECTED.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t")) for line in lines if line and not line.startswith("#")]


def marked(text: str) -> str:
    return "".join(s + (f"《{r}》" if r else "") for s, r in get_furigana().pieces(text))


def test_the_list_is_long_enough():
    assert len(rows()) >= 40


@pytest.mark.parametrize("text, expected", rows())
def test_expected_reading(text, expected):
    assert marked(text) == expected


def test_html_keeps_the_kiosk_interface():
    html = get_furigana().html("代理の方<b>\n25日")
    assert html == ('<span class="w"><ruby>代理<rt>だいり</rt></ruby>の</span><span class="w"><ruby>方<rt>かた</rt></ruby></span>'
                    '&lt;b&gt;<br><span class="w"><ruby>25日<rt>にじゅうごにち</rt></ruby></span>')


def texts(value, key=None) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in NOT_SHOWN:
                yield from texts(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from texts(v, key)
    elif isinstance(value, str):
        yield value


def knowledge_texts() -> List[Tuple[str, str]]:
    found = []
    for path in sorted(KNOWLEDGE.rglob("*.yml")):
        found += [(path.name, t) for t in texts(yaml.safe_load(path.read_text(encoding="utf-8")))]
    return found


# What 「N日」 may end with: these numbers take the counter's own reading (ふつか … とおか, はつか, …よっか).
_KA_DAYS = {2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 20, 24}
_COMPARISON = re.compile(r"^(が(いい|よい|良い|早|安|便利|簡単|確実|楽))|^へ")
# A ruby's base: kanji, after a number at most (「1人」 ひとり); never kana or letters.
_RUBY_BASE = re.compile(r"[0-9０-９]*[\u3400-\u9fff\uf900-\ufaff々〆ヵヶ]+")


def wrong_readings(text: str) -> List[str]:
    pieces = get_furigana().pieces(text)
    problems = []
    for k, (surface, reading) in enumerate(pieces):
        if not reading:
            continue
        before = "".join(s for s, _ in pieces[:k]).split("。")[-1]
        after = "".join(s for s, _ in pieces[k + 1:])
        day = re.fullmatch(r"([0-9０-９]+)日(.*)", surface)
        if re.search(r"[（）()「」『』【】［］]", surface):
            problems.append(f"ruby spans a bracket: {surface}《{reading}》")
        elif day:
            n = int(day.group(1))
            right = (re.match("ついたち|いちにち", reading) if n == 1 else "にち" not in reading if n in _KA_DAYS
                     else "にち" in reading)
            if not right:
                problems.append(f"{surface} read {reading}")
        elif not _RUBY_BASE.fullmatch(surface):
            problems.append(f"ruby over kana, digits or letters: {surface}《{reading}》")
        elif surface == "日" and re.search(r"[0-9０-９]$", before):
            problems.append(f"日 after a number read on its own: {reading}")
        elif surface == "方" and reading == "ほう" and not (_COMPARISON.match(after) or "より" in before):
            problems.append(f"方 read ほう where a person is meant: …{before[-8:]}方{after[:8]}…")
        elif surface == "何" and after[:1] in ("を", "が", "も", "か") and reading != "なに":
            problems.append(f"何{after[:1]} read {reading}")
        elif surface == "正" and after.startswith("しく") and reading != "ただ":
            problems.append(f"正しく read {reading}しく")
    return problems


def test_no_known_wrong_reading_in_any_knowledge_text():
    found = knowledge_texts()
    assert len(found) > 1000  # answers, easy texts, guide steps, menu, conversation and handoff texts
    problems = [f"{name}: {p}" for name, text in found for p in wrong_readings(text)]
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("text", ["代理の方", "25日", "365日", "交付通知書（はがき）", "何を", "正しく", "ガイド", "まどぐち"])
def test_the_pattern_check_itself_catches_the_old_mistakes(text, monkeypatch):
    """The knowledge scan is only worth something if it recognises each mistake it looks for."""
    old = {"代理の方": [("代理", "だいり"), ("の", ""), ("方", "ほう")], "25日": [("25", ""), ("日", "か")],
           "365日": [("365日", "さんびゃくろくじゅうごか")], "交付通知書（はがき）": [("通知書（はがき）", "つうちしょ")],
           "何を": [("何", "なん"), ("を", "")], "正しく": [("正", "まさ"), ("しく", "")],
           "ガイド": [("ガイド", "がいど")], "まどぐち": [("まどぐち", "まどぐち")]}[text]
    monkeypatch.setattr(get_furigana(), "pieces", lambda _text: old)
    assert wrong_readings(text)


def test_a_word_keeps_its_kana_the_number_before_it_and_the_punctuation_after_it():
    html = get_furigana().html("一時停止は、24時間365日受け付けます。最初に戻ります。数字4桁、1,000円")
    assert 'は、</span><span class="w">24<ruby>時間<rt>じかん</rt></ruby></span><span class="w"><ruby>365日' in html
    assert '<span class="w"><ruby>戻<rt>もど</rt></ruby>ります。</span>' in html
    assert '<span class="w">4<ruby>桁<rt>けた</rt></ruby>、</span>' in html
    assert '<span class="w">1,000<ruby>円<rt>えん</rt></ruby></span>' in html
    assert html.count("<span") == html.count("</span>") and "\x00" not in html
