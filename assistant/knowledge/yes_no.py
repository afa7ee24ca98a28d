"""はい/いいえ first: the short answer (knowledge/yes_no.yml) when a resident asks an entry's question as a yes/no question."""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional

import yaml

from assistant.knowledge import KnowledgeError
from assistant.text import romaji_as_kana

logger = logging.getLogger(__name__)
MAX_CHARS = 60
YES, NO = "はい、", "いいえ、"
FILE_NAME = "yes_no.yml"


@dataclass(frozen=True)
class ShortAnswer:
    """The answer to the entry's question asked the usual way round; `opposite` matches the other way round."""

    text: str
    opposite: Optional["re.Pattern[str]"] = None


def load_yes_no(path: Path, entry_keys: Iterable[str]) -> Dict[str, ShortAnswer]:
    """Reads and validates the file; raises KnowledgeError naming the file and the key."""
    path, known = Path(path), set(entry_keys)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise KnowledgeError(path, "(file)", f"not readable YAML: {exc}") from None
    if not isinstance(data, dict) or not data:
        raise KnowledgeError(path, "(file)", "expected a mapping of topic/entry to a short answer")
    table = {}
    for key, value in data.items():
        if key not in known:
            raise KnowledgeError(path, str(key), "no such entry in knowledge/topics")
        table[key] = check_short(path, str(key), value)
    return table


def check_short(path: Path, key: str, value: object) -> ShortAnswer:
    """One short answer as the file writes it (a text, or {answer, opposite}), validated; KnowledgeError names
    `key.answer`, `key.opposite` or the key."""
    raw = value if isinstance(value, dict) else {"answer": value}
    text, opposite = raw.get("answer"), raw.get("opposite")
    if not isinstance(text, str) or not text.startswith((YES, NO)):
        raise KnowledgeError(path, f"{key}.answer", "must start with 「はい、」 or 「いいえ、」")
    if len(text) > MAX_CHARS:
        raise KnowledgeError(path, f"{key}.answer", f"longer than {MAX_CHARS} characters ({len(text)})")
    if set(raw) - {"answer", "opposite"}:
        raise KnowledgeError(path, key, "only answer and opposite are allowed")
    try:
        pattern = re.compile(opposite, re.I) if opposite else None
    except (re.error, TypeError) as exc:
        raise KnowledgeError(path, f"{key}.opposite", f"not a regular expression: {exc}") from None
    return ShortAnswer(text, pattern)


def with_published(table: Mapping[str, ShortAnswer], published: Mapping[str, Mapping[str, Any]],
                   path: Path) -> Dict[str, ShortAnswer]:
    """The file's short answers with those published in the staff console over them (answer "" takes the entry's
    away); a published one the checks no longer accept is left out with an error in the log."""
    merged = dict(table)
    for key, raw in published.items():
        merged.pop(key, None)
        if raw.get("answer"):
            try:
                merged[key] = check_short(path, key, {k: v for k, v in raw.items() if v})
            except KnowledgeError as exc:
                logger.error("published short answer not used: %s", exc)
    return merged


# A question ends with ? or a question particle (after NFKC, so ﾊﾝｶｸ and ？ are covered).
_TRAILING = re.compile(r"[\s!！。．.…・~〜ーｰ笑\U0001F000-\U0001FAFF\u2600-\u27BF]+$")
_PARTICLE = re.compile(r"(?:か|かな|かね|かい|かのう|かしら|かや|の|のか|っけ)$")
_SHORT_REMARK = 8
_SECOND_QUESTION = re.compile(r"(?:か|かな|かね|かい|かのう|かしら|っけ)$")
_REQUEST = re.compile(r"(?:くれ|もらえ|いただけ|ください|下さい|くださ)(?:ませ|ない)?(?:ん)?(?:か|かね|かな|かのう|の|でしょうか)?$")
_WH = re.compile(r"何|なに|なんで(?!す)|なんの|なんて|なんか|いつ(?!も)|どこ|どう(?!も|ぞ)|いくら|いくつ|誰|だれ|どれ|どちら"
                 # and in dialect: どない(関西), どがぁ/どがい(広島), どげん/どぎゃん(九州), なんぼ
                 r"|どっち|どっから|なぜ|何故|どの|どんな|どない|どがぁ|どがい|どげん|どぎゃん|なんぼ"
                 # 「公金受取口座ってなんですか」 (not 「大丈夫なんですか」)
                 r"|(?:って|とは|は)\s*なん(?:です|でしょう|だ|なの|や)"
                 r"|\b(?:how|what|when|where|which|who|why)\b", re.I)
# 〜じゃない？／〜でしょ？: the resident states something and asks for agreement; what is stated counts.
_TAG = re.compile(r"(?:ん|の)?(?:(?:じゃ|では|でわ)(?:ない|ありません|ねえ|ね)(?:です)?|でしょ|だろ|じゃん|やろ)(?:う)?(?:か|の|ね|よね)?$")
# 〜ないでしょうか: a polite way to ask, not a negative question (but 「もう受け取れないのでしょうか」 is one).
_POLITE = re.compile(r"ないでしょうか$")
# 〜ないといけない／〜なきゃだめ: asks whether something is required; not a negative question.
_OBLIGATION = re.compile(r"(?:ないと|なきゃ|なけりゃ|なければ|なくては|なくちゃ|ねば|んと)\s*(?:いけ|だめ|ダメ|駄目|なら|あかん|まず)"
                         # 「作らなきゃ保険が使えないの？」: without it, something else cannot be done = must I?
                         r"|(?:ないと|なきゃ|なけりゃ|なければ|なくては|なくちゃ)[^、。]{1,20}(?:ない|ません|へん)")
# 〜なくてもいい？／〜ないでいい？: asks whether it may be left undone, the other way round.
_MAY_SKIP = re.compile(r"(?:なくても|なくて|ないで|ずに)\s*(?:いい|よい|良い|大丈夫|構わ|かまわ|平気|ok|済|すむ)", re.I)
# 〜してはだめ？／〜いけませんか: asks whether it is forbidden, the other way round from 「いいですか」.
# 〜無理？／〜不可能？: asks whether it cannot be done, the other way round from 「できますか」.
_FORBIDDEN = re.compile(r"(?:だめ|ダメ|駄目|いけない|いけません|あかん|ng|アウト|無理|むり|ムリ|不可能)"
                        r"(?:です|でしょう|なの|なん|なんです)?(?:か|の)?$", re.I)
# 「手数料は？」「コンビニって？」: a subject alone asks "what about it", not yes or no.
_SUBJECT_ONLY = re.compile(r"(?:は|って|のは|とか|なら)$")
_NOT_NEGATIVE = re.compile(r"(?:かま|構)いません|問題(?:ない|ありません)|(?:危|あぶ|少|すく|汚|きたな|もったい|しょうが|仕方が?|つまら|くだら)ない")
_NEGATIVE = re.compile(r"(?:ない|ません|へん|ひん|ねえ|ねー|なかった|ませんでした)(?:です|ん|の|んです|のです|のでしょう)?"
                       r"(?:か|かな|かね|かい|かのう|かしら|の)?$")
# 「もう つかえんのかね」「いけんの？」: a western dialect's negative ん after an e-row verb, asked with の (not 「ええん？」,
# 「まいなほけん？」「使えるけん？」, nor a request 「もらえんかね」「くれんかね」).
_DIALECT_NEGATIVE = re.compile(r"(?<!もら)(?<!いただ)(?:[けげせぜてでねべめれ]|(?<![えい])え)ん(?:の|のか)(?:か|かね|かな|かの|かのう|ね)?$")


def question_sentence(text: str) -> Optional[str]:
    """The resident's yes/no question (normalized), or None: also when the message asks two (「取り消せるのでしょうか。
    取り消したら病院にかかれなくなったりしませんか。」): one はい/いいえ cannot answer both."""
    normalized = unicodedata.normalize("NFKC", text or "")
    found: Optional[str] = None
    for sentence in reversed(re.split(r"(?<=[。!?\n])", normalized)):
        core = _TRAILING.sub("", sentence.strip())
        asks = core.endswith("?")
        core = _TRAILING.sub("", core.rstrip("?"))
        if not core or not (asks or _PARTICLE.search(core)):
            if _WH.search(core) and found is None:
                return None  # a later sentence asks 何／どこ／いつ…: that is the need
            continue
        if found is not None:
            # an earlier sentence asks too (by ? or か; 「母が施設にいるの。」 only tells, and 「そうですか。」
            # 「質問いいですか。」 are too short to be a second question)
            if (asks or _SECOND_QUESTION.search(core)) and len(core) > _SHORT_REMARK:
                return None
            continue
        if _REQUEST.search(core) or _WH.search(core) or _SUBJECT_ONLY.search(core):
            return None
        found = core
    return found


def is_negative(question: str) -> bool:
    """True for a negative question (〜ない？, 〜ませんか, 〜なくてもいい？, 〜だめ？); a tag (〜じゃない？, 〜でしょ？)
    is no negation, and an obligation (〜ないといけない？) asks the usual way round."""
    if _OBLIGATION.search(question):
        return False
    if _MAY_SKIP.search(question):
        return True
    if _POLITE.search(question):
        return False
    stated = _TAG.sub("", question)
    if stated != question:
        return bool(stated) and is_negative(stated)
    if _FORBIDDEN.search(question):
        return True
    return bool(_NEGATIVE.search(question) or _DIALECT_NEGATIVE.search(question)) and not _NOT_NEGATIVE.search(question)


# A yes/no question about a condition (a day, a person, a way, a place, a price…) is answered はい/いいえ only when the
# short answer speaks of the same condition: 「土曜日でもできる？」 must not get 「はい、窓口で再設定できます」.
# Each pair: the words in the question, the words that show the short answer speaks of it.
_CONDITIONS = tuple((re.compile(q, re.I), re.compile(a, re.I)) for q, a in (
    (r"土曜|日曜|土日|休日|祝日|週末|やすみの日|休みの日|weekend|saturday|sunday", r"土曜|日曜|土日|休日|祝日|週末"),
    (r"夜|夕方|朝|早朝|何時|24時間|深夜", r"夜|夕方|朝|時|24時間"),
    (r"今日|きょう|明日|あした|あす|すぐ|即日|当日|その日", r"今日|明日|すぐ|即日|当日|その日"),
    (r"代理|代わり|かわりに|代行|本人以外|(?:家族|妻|夫|嫁|旦那|息子|娘|親|母|父)(?:が|に)(?:行|い|頼|たの|代|か)",
     r"代理|代わり|家族|本人以外|親|法定代理人|任意代理人"),
    (r"子ども|子供|こども|赤ちゃん|赤ん坊|乳児|幼児|小学生|中学生|高校生|未成年|息子|娘", r"子ども|子供|お子さん|赤ちゃん|未成年|15歳|18歳|歳未満"),
    (r"郵送|郵便|ゆうそう|ポスト", r"郵送|郵便"),
    (r"電話|でんわ|\bphone\b", r"電話|フリーダイヤル|ダイヤル"),
    (r"スマホ|スマートフォン|携帯|iphone|android|パソコン|pc|オンライン|ネット|web", r"スマホ|スマートフォン|パソコン|オンライン|ネット|マイナポータル|iphone|android"),
    (r"コンビニ|セブン|ローソン|ファミマ|ファミリーマート|イオン", r"コンビニ|セブン|ローソン|ファミマ|ファミリーマート|イオン"),
    (r"海外|外国|国外|日本にいない", r"海外|国外|外国"),
    (r"予約|よやく", r"予約"),
    (r"(?:申請|申し込|もうしこ|手続き|てつづき)(?:しないと|しなくても|なしで|せず|しなきゃ|しなければ|まないと)", r"申請|申し込"),
    (r"無料|有料|タダ|ただで|お金|おかね|費用|手数料|料金|いくら|円", r"無料|有料|手数料|円|お金|費用|かかりません|かかります"),
))


def speaks_of_the_conditions(question: str, short_text: str) -> bool:
    """True unless the question's last clause names a condition (土曜, 代理, 郵送, 予約…) that the short answer does
    not speak of (「スマホも持ってない母ですが、作らなくてもいい？」 asks about making the card, not about a phone)."""
    asked_clause = re.split(r"[、,]", question)[-1]
    return all(answer.search(short_text) for asked, answer in _CONDITIONS if asked.search(asked_clause))


def _flipped(text: str) -> str:
    return NO + text[len(YES):] if text.startswith(YES) else YES + text[len(NO):]


def answer_for(short: ShortAnswer, text: str) -> Optional[str]:
    """The short answer turned to the resident's question, or None when the text is no yes/no question (romaji read
    as kana: 「nani motte iku?」 asks what)."""
    question = question_sentence(romaji_as_kana(text))
    if question is None or not speaks_of_the_conditions(question, short.text):
        return None
    other_way = bool(short.opposite and short.opposite.search(question))
    return _flipped(short.text) if other_way != is_negative(question) else short.text


@lru_cache(maxsize=4)
def _table(folder: str) -> Dict[str, ShortAnswer]:
    from assistant.knowledge import load_knowledge

    knowledge = load_knowledge(Path(folder))
    keys = [f"{t.id}/{e.id}" for t in knowledge.topics.values() for e in t.entries]
    return load_yes_no(Path(folder) / FILE_NAME, keys)


def file_table(folder: Path) -> Dict[str, ShortAnswer]:
    """knowledge/yes_no.yml's short answers (read once per folder)."""
    return _table(str(folder))


def short_answer(entry_key: str, text: str, table: Optional[Mapping[str, ShortAnswer]] = None) -> Optional[str]:
    """「はい、…」/「いいえ、…」 for the chosen entry when the resident's text is a yes/no question, else None."""
    if table is None:
        from assistant.settings import Settings

        table = _table(str(Settings.from_env().knowledge_dir))
    short = table.get(entry_key)
    return answer_for(short, text) if short else None
