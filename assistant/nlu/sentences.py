"""A resident's message cut into sentences, and which of them ask (a question, a wish, another need)."""
from __future__ import annotations

import re
from typing import List, Tuple

# Words that name what is asked (「…のしかたと、…」).
_ASKED_NOUNS = ("方法", "しかた", "仕方", "やり方", "手順", "手数料", "料金", "費用", "内容", "設定", "期限", "期間",
                "時間", "場所", "持ち物", "必要なもの", "必要書類", "メリット", "条件", "違い", "ちがい")
# Words that start a second need: ついでに, 併せて; あと and それと only with a comma or a space after them (「あと、」, not
# 「あとで」「あと何日」).
_ANOTHER_WORDS = r"(?:ついでに|あわせて|併せて|加えて|(?:あと|それと|それから|and also|also)[、,\s])"
# A sentence ends at these marks, a second question starts at あと/それと/ついでに or a number; a story's
# sentences are read one by one.
_SENTENCE_END = re.compile(
    r"(?<=[。！？!?\n])|(?<=[.])\s+|(?=(?:あと|それと|ついでに|それから|and also|also)[、,\s])"
    r"|(?<=[、,\s])(?=ついでに|それと(?!も)|それから)"
    # 「はがきが きたけど うけとりの ひは よやく いるの」: what happened, then the question.
    r"|(?<=けど[、,\s])|(?<=けれど[、,\s])|(?<=けども[、,\s])|(?<=んだが[、,\s])"
    # 「…ですか、…ますか」: two questions in one line (not 「本人ですか、と聞かれた」).
    r"|(?:(?<=ですか[、,])|(?<=ますか[、,])|(?<=でしょうか[、,]))(?!\s*(?:と|って))"
    # 「…何日前から出せるのか、また必要なものは…」: a second question in the same sentence (not 「何度か、また…」).
    r"|(?<=のか[、,])(?=また)"
    # 「何ができるのかと、手数料について教えて」: two asked things (not 「これでいいのかと、心配です」).
    r"|(?<=のかと[、,])(?=[^。？?\n]*(?:について|教えて|おしえて|ご教示|知りたい|ください|ますか|でしょうか))"
    # 「登録のしかたと、口座の登録のしかたを教えて」「何ができるのかと、手数料について」: two asked things joined by
    # と after a word that names what is asked (not 「母と、どこに…」).
    # Not a comparison (「カードの期限と、在留カードの期限は同じですか」).
    r"|(?:" + "|".join(f"(?<={noun}と、)|(?<={noun}と,)" for noun in _ASKED_NOUNS) + r")(?![^。？?\n]*(?:同じ|おなじ|違う|ちがう|どちら|どっち|比べ|くらべ))" +
    # Numbered questions (「①受け取れますか ②お金は？」, 「1) … 2) …」) and 「A＋B」.
    r"|(?=[①②③④⑤⑥⑦⑧⑨])|(?<=\S)\s*(?=[2-9][)）.]\s)|(?<=\S)\s*[＋+]\s*(?=\S)"
)
# The sentence that asks: a question mark, a question ending, a wish or a request.
_ASKS = re.compile(
    r"([?？]|か|かな|かね|の|でしょう|ますか|ですか|たい|ほしい|教えて|おしえて|ください|下さい|どうすれば|どうしたら"
    r"|どうする|いい|よい|ええ|ええん|ですかね|ん|何|なに|いくら|いつ|どこ|how|what|when|where|can i|please"
    r"|っけ|かしら|たいです|たいのですが|たいんですが|ほしいです|幸いです|存じます)"
    r"[\s。．.!！~〜ー…w笑、,]*$",
    re.I,
)
# A worry about an embedded question (「登録されても大丈夫なのか心配です」「安全なのか不安です」) asks it.
_WORRIED_QUESTION = re.compile(r"(?:か|かどうか)[、,\s]*(?:が|も)?\s*(?:しんぱい|心配|ふあん|不安|気がかり|気になって|気になり)"
                               r"\s*(?:です|でして|なんです|だ|で)?[\s。．.!！…]*$")
# Shorter pieces are joined to the sentence before them (「はい。」「あの、」).
_MIN_SEGMENT = 6


# A phone message's sentences are often parted by a space alone (「有効期限のお知らせ来た 更新ってどうやんの 写真また撮るの？」):
# a space after a sentence's last word, before one that does not go on with it (not 「です」「けど」…). Not after a
# word that may qualify the next one (「マイナポイントの 申込期限」「使える 病院」): の only after a verb (「どうやんの」).
_BURST_GAP = re.compile(
    r"(?:(?<=[ただよねかんてわ？?!！笑\U0001F300-\U0001FAFF])|(?<=[んるたいだ]の)|(?<=ない)|(?<=たい))[ \u3000]+"
    r"(?![ \u3000]|です|ます|でしょ|だよ|か[?？]|の[?？]|ね|よ|けど|けれど|ので|から|が|を|に|は|と|って|で|も|や|[?？!！])(?=[^\x00-\x7f])")
_HIRAGANA = re.compile(r"[ぁ-ゖー]")
# Word-spaced writing (「カードの はがきが きたけど…」, chunks of a few letters, mostly hiragana) has no such gaps.
_BURST_MIN_CHUNK = 8


def _burst_gaps(text: str, start: int, end: int) -> List[int]:
    """Where a space parts two sentences of one phone message within text[start:end]."""
    piece = text[start:end]
    chunks = piece.split()
    letters = sum(len(c) for c in chunks)
    if len(chunks) < 2 or letters / len(chunks) < _BURST_MIN_CHUNK or len(_HIRAGANA.findall(piece)) > 0.7 * letters:
        return []
    return [start + m.end() for m in _BURST_GAP.finditer(piece)]


def sentences(text: str) -> List[Tuple[int, int]]:
    """(start, end) character spans of the text's sentences, short pieces joined to their neighbour."""
    spans: List[Tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start()
        if end > start:
            spans.append((start, end))
            start = end
    if start < len(text):
        spans.append((start, len(text)))
    split: List[Tuple[int, int]] = []
    for s, e in spans:
        for cut in _burst_gaps(text, s, e):
            split.append((s, cut))
            s = cut
        split.append((s, e))
    spans = split
    merged: List[Tuple[int, int]] = []
    for s, e in spans:
        if not text[s:e].strip():
            continue
        previous = text[merged[-1][0]:merged[-1][1]] if merged else ""
        if merged and len(previous.strip()) < _MIN_SEGMENT and not asks(previous):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    if len(merged) > 1 and len(text[merged[-1][0]:merged[-1][1]].strip()) < 3:
        last = merged.pop()
        merged[-1] = (merged[-1][0], last[1])
    return merged


# 「暗証番号を忘れました。あと、電子証明書の更新も…」: a sentence followed by あと/それと/② is a need too.
_ANOTHER = re.compile(r"^\s*(?:" + _ANOTHER_WORDS + r"|[②③④⑤]|[2-9][)）.]\s)", re.I)


def starts_another(sentence: str) -> bool:
    """「あと…」「それと…」「②…」: the sentence starts a second need."""
    return bool(_ANOTHER.match(sentence))


def says_another(sentence: str, before: str = "") -> bool:
    """「あと…」「また、…」「②…」: the sentence says it is another need than the one before (also 「また…」 after a
    question cut at 「…のか、」: 「何日前から出せるのか、また必要なものは」)."""
    return bool(_ANOTHER.match(sentence) or re.match(r"^\s*また[、,\s]", sentence)
                or (re.match(r"^\s*また", sentence) and re.search(r"か[、,]\s*$", before)))


# A complaint put as a question (「何回来させるんですか！」「いつまで待たせるの！」「ふざけてるんですか！」): it asks
# for nothing an entry answers.
_RHETORICAL = re.compile(
    r"(?:(?:何|なん)[回度]|なんかい|なんど|いつまで|どれだけ)[^。、？?!！]*(?:させ|待たせ|またせ)[^。、？?!！]*[!！]+\s*$"
    r"|(?:ふざけ|いい加減|いいかげん|なめて|馬鹿に|ばかに)[^。、？?!！]*[!！]+\s*$")
# A request or a question of what to do in the same sentence asks whatever the tone (「いい加減な説明じゃなくて、
# ちゃんと手数料を教えてください！」).
_REQUEST = re.compile(r"教えて|おしえて|ください|下さい|どうしたら|どうすれば|どうやって|(?:いい|よい|ええ)(?:です|ん)?か|ほしい|知りたい")


_ASKED_AND = re.compile(r"(?:" + "|".join(_ASKED_NOUNS) + r")と[、,]\s*$")


def asks(sentence: str) -> bool:
    """True when the sentence asks for something (a question, a wish, a request), starts a second need
    (「あと暗証番号って何回までだっけ」), names a first asked thing before と (「登録のしかたと、」) or worries about an
    embedded question (「大丈夫なのか心配です」); not a complaint
    put as a question (「何回来させるんですか！」)."""
    if _RHETORICAL.search(sentence.strip()) and not _REQUEST.search(sentence):
        return False
    return bool(_ASKS.search(sentence.strip()) or _ANOTHER.match(sentence) or _ASKED_AND.search(sentence)
                or _WORRIED_QUESTION.search(sentence.strip()))
