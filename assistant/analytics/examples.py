"""Residents' unanswered questions as the report may quote them: greetings and bare words set aside, examples short and de-identified."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import List, Optional

# The longest example wording printed (characters, after de-identification); longer ones are cut with 「…」.
MAX_EXAMPLE_CHARS = 30
ELLIPSIS = "…"
_GREETING_RE = re.compile(
    r"^(?:こんにち[はわ]|こんばん[はわ]|おはよう(?:ございます)?|はじめまして|よろしく(?:お願い|おねがい)?(?:します|いたします)?"
    r"|(?:どうも)?(?:ありがと|ありがとう|有難う|有り難う)(?:ございます|ございました|ね|な)?|どうも|サンキュー|さんきゅー"
    r"|thx|thanks?|thankyou|ty|hi|hello|hey|ok|okay|bye|はい|いいえ|うん|ええ|すみません|すいません|了解(?:です|しました)?"
    r"|わかりました|分かりました|おつかれさま(?:です)?|お疲れ様(?:です)?|さようなら|バイバイ|またね|もしもし|テスト|test)$")
_STRIP_RE = re.compile(r"[\s。、．，.,!?！？〜~ー－…・「」『』（）()\[\]［］♪☆★wｗ笑]+")
# Family relations, the longer words first; a single kanji only where it stands alone (母が, not 母子手帳 or 大丈夫).
_FAMILY_WORDS = ("義理の母", "義理の父", "お母さん", "お父さん", "おばあちゃん", "おじいちゃん", "おばあさん", "おじいさん",
                 "お姉さん", "お兄さん", "お嫁さん", "母親", "父親", "祖母", "祖父", "義母", "義父", "義姉", "義兄", "義妹", "義弟",
                 "息子", "長男", "長女", "次男", "次女", "三男", "三女", "主人", "旦那", "家内", "叔母", "伯母", "叔父", "伯父",
                 "配偶者", "子ども", "子供", "両親", "兄弟", "姉妹", "母方", "父方")
_FAMILY_RE = re.compile("|".join(map(re.escape, _FAMILY_WORDS))
                        + r"|(?<![\u4e00-\u9fff])[母父娘妻夫兄姉弟妹孫嫁婿姪甥](?![\u4e00-\u9fff])")
_AGE_RE = re.compile(r"(\d{1,3})\s*(?:歳|才|さい)")
_KANJI_AGE_RE = re.compile(r"[一二三四五六七八九十百]+\s*(?:歳|才)")
_BRACKET_AGE_RE = re.compile(r"（\s*\d{1,3}\s*）|\(\s*\d{1,3}\s*\)")
_YEAR_RE = re.compile(r"(?:明治|大正|昭和|平成|令和)\s*(?:\d{1,2}|元)\s*年|(?:19|20)\d\d\s*年")
_SENTENCE_RE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_ASKING_RE = re.compile(r"[か？?]$|ますか|ですか|でしょうか|たい|教えて|どう|なに|何|いつ|どこ|できる|いい[のか]?")


def _age_band(match: "re.Match[str]") -> str:
    age = int(match.group(1))
    if age < 10:
        return "10歳未満"
    return "100歳以上" if age >= 100 else f"{age // 10 * 10}代"


def deidentify(text: str) -> str:
    """Ages as decades (82歳 → 80代), years of birth and family relations generalised (母 → 家族)."""
    text = _BRACKET_AGE_RE.sub("", text)
    text = _AGE_RE.sub(_age_band, text)
    text = _KANJI_AGE_RE.sub("（年齢）", text)
    text = _YEAR_RE.sub("［年］", text)
    text = _FAMILY_RE.sub("家族", text)
    return re.sub(r"(家族)(?:の?家族)+", r"\1", text)


def example_wording(text: str, limit: int = MAX_EXAMPLE_CHARS) -> str:
    """A short, de-identified example of what a resident asked: of a story, its asking sentence only, cut at
    `limit` characters; never the whole story."""
    clean = " ".join(deidentify(text).split())
    sentences = [s.strip() for s in _SENTENCE_RE.findall(clean) if s.strip()]
    if not sentences:
        return ""
    asking = [i for i, s in enumerate(sentences) if _ASKING_RE.search(s.rstrip("。！？!?"))]
    # The asking sentence that says most (「どうすればいいですか」 alone tells nothing).
    index = max(asking, key=lambda i: (len(sentences[i]), i)) if asking else 0
    body = sentences[index]
    truncated = len(body) > limit
    if truncated:
        body = body[:limit - 1].rstrip("、， ")
    prefix = ELLIPSIS if index > 0 else ""
    suffix = ELLIPSIS if truncated or index < len(sentences) - 1 else ""
    return prefix + body + suffix


@lru_cache(maxsize=1)
def _tokenizer():
    try:
        from sudachipy import dictionary, tokenizer
    except ImportError:  # pragma: no cover - installed with GiNZA
        return None
    return dictionary.Dictionary(dict="core").create(tokenizer.Tokenizer.SplitMode.C)


def _parts(text: str) -> Optional[List[str]]:
    tok = _tokenizer()
    if tok is None:  # pragma: no cover
        return None
    return [m.part_of_speech()[0] for m in tok.tokenize(text[:200])]


def is_noise(text: str) -> bool:
    """A greeting, thanks, a yes/no, or a bare word (「カード」「マイナ保険証」): no theme is made of these."""
    normal = unicodedata.normalize("NFKC", text).lower().strip()
    squeezed = _STRIP_RE.sub("", normal)
    if not squeezed or _GREETING_RE.match(squeezed):
        return True
    parts = _parts(normal)
    if parts is None:  # pragma: no cover - without a dictionary: short texts without spaces count as bare words
        return len(squeezed) <= 6 and " " not in normal
    content = [p for p in parts if p not in ("補助記号", "記号", "空白")]
    if len(content) <= 1 or all(p == "感動詞" for p in content):
        return True
    # A run of nouns without a space or a particle: one word (マイナ保険証); 「コンビニ 住民票」 asks about two.
    return "空白" not in parts and all(p in ("名詞", "接頭辞", "接尾辞", "代名詞", "補助記号", "記号") for p in parts)
