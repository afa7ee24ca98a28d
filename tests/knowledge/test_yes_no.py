"""はい/いいえ first: knowledge/yes_no.yml is valid and residents' yes/no questions get the short answer the right way round."""
import re

import pytest
import yaml

from assistant.knowledge import KnowledgeError
from assistant.knowledge.yes_no import load_yes_no, question_sentence, short_answer
from assistant.settings import PROJECT_ROOT

FILE = PROJECT_ROOT / "knowledge" / "yes_no.yml"


@pytest.fixture(scope="module")
def table(knowledge):
    return load_yes_no(FILE, [f"{t.id}/{e.id}" for t in knowledge.topics.values() for e in t.entries])


@pytest.fixture(scope="module")
def knowledge():
    from assistant.knowledge import load_knowledge

    return load_knowledge(PROJECT_ROOT / "knowledge")


def test_the_file_covers_many_entries_each_starting_with_yes_or_no(table):
    assert 60 <= len(table) <= 100
    assert all(s.text.startswith(("はい、", "いいえ、")) and len(s.text) <= 60 for s in table.values())
    assert {s.text.split("、")[0] for s in table.values()} == {"はい", "いいえ"}


def test_every_number_in_a_short_answer_is_in_its_entrys_answer(table, knowledge):
    """The short answer repeats the entry's facts: no figure, date or phone number of its own."""
    wrong = []
    for key, short in table.items():
        answer = knowledge.entry_by_key(key).answer.replace(",", "")
        for number in re.findall(r"\d[\d,-]*", short.text):
            if number.replace(",", "") not in answer:
                wrong.append(f"{key}: {number}")
    assert not wrong, wrong


@pytest.mark.parametrize("content, problem", [
    ("fees/no_such_entry: はい、あります。", "no such entry"),
    ("fees/first_time: 無料です。", "must start with"),
    ("fees/first_time: はい、" + "とても長い答え" * 10, "longer than 60"),
    ("fees/first_time:\n  answer: いいえ、無料です。\n  opposite: '(無料'", "not a regular expression"),
])
def test_a_wrong_file_is_refused_with_its_key(tmp_path, knowledge, content, problem):
    path = tmp_path / "yes_no.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(KnowledgeError, match=problem) as error:
        load_yes_no(path, [f"{t.id}/{e.id}" for t in knowledge.topics.values() for e in t.entries])
    assert str(path) in str(error.value)


@pytest.mark.parametrize("entry, message, expected", [
    # asked the usual way round
    ("receive_card/lost_postcard", "交付通知書のはがきを捨ててしまったんですが、それでも受け取れますか？", "はい"),
    ("fees/first_time", "孫に作れって言われたんだけど、お金取られるの？", "いいえ"),
    ("convenience_store_certificate/my_number_on_certificate", "セブンで番号入りの住民票って出せますか", "いいえ"),
    ("overseas_move/overview", "来月から夫の転勤でタイに住みます。海外でもこのカード使えるんですか", "はい"),
    # negative questions: はい and いいえ swap
    ("receive_card/deadline_passed", "出張で受け取りの期限に行けなかった。もう受け取れない？", "いいえ"),
    ("health_insurance_card/old_card", "父の紙の保険証、もう病院で使えませんか。", "はい"),
    ("apply_card/optional", "スマホも持ってない母ですが、作らなくてもいいでしょうか", "はい"),
    ("apply_photo/not_accepted", "後ろに家の壁紙の柄が写ってるんですが、だめですか", "はい"),
    ("receive_card/lost_postcard", "はがきなしでは本当に無理なの？", "いいえ"),
    # tag questions state something: what is stated counts, the tag does not
    ("fees/first_time", "初めて作るならタダじゃないの？", "はい"),
    ("health_insurance_card/old_card", "去年の保険証ってもう使えないんじゃない？", "はい"),
    ("cert_renewal/health_insurance_after_expiry", "証明書切れてもしばらくは保険証として使えるんでしょ？", "はい"),
    # an obligation asks the usual way round
    ("public_fund_account/overview", "給付金の口座って登録しないといけないんですか", "いいえ"),
    ("mynaportal_login/login_needs", "マイナポータルってカードがないとだめなの？", "はい"),
    ("apply_card/optional", "近所の人に聞いたけど、カードを作らなきゃ病院で保険が使えないって本当なの？", "いいえ"),
    # asked the other way round (opposite:)
    ("fees/reissue", "なくしたカードの作り直しは無料ですか", "いいえ"),
    ("pin_forgotten_locked/convenience_store_reset", "近所のファミマで暗証番号の再設定ってできる？", "いいえ"),
    ("mynapoint/ended", "マイナポイントってもう締め切られた？", "はい"),
    # kana only, dialect, half-width katakana, English mixed
    ("lost_card_suspend/found", "なくしたとおもった かーどが でてきました また つかえますか", "はい"),
    ("receive_card/deadline_passed", "きげん すぎてしもうたけど まだ うけとれるかのう", "はい"),
    ("fees/renewal", "ｺｳｼﾝ ﾆ ｵｶﾈ ｶｶﾙ?", "いいえ"),
    ("smartphone_card/overview", "my iPhone に マイナンバーカード 入れられる?", "はい"),
    # a condition the short answer speaks of (a store, a phone) keeps its はい/いいえ
    ("pin_forgotten_locked/convenience_store_reset", "ファミマでもリセットできる？", "いいえ"),
    ("smartphone_card/overview", "iPhoneにも入れられる？", "はい"),
    # negative questions in keigo and dialect, and a short remark before the question
    ("receive_card/deadline_passed", "はがきの期限が過ぎました。もう受け取れないのでしょうか", "いいえ"),
    ("health_insurance_card/old_card", "かみの ほけんしょうは もう つかえんのかね", "はい"),
    ("health_insurance_card/cancel", "母が施設にいるの。登録を取り消すことはできるのでしょうか", "はい"),
])
def test_yes_no_questions_get_the_short_answer_first(table, entry, message, expected):
    answer = short_answer(entry, message, table)
    assert answer is not None and answer.split("、")[0] == expected, answer
    assert answer[len(expected) + 1:] == table[entry].text.split("、", 1)[1]


@pytest.mark.parametrize("entry, message", [
    ("fees/reissue", "再発行の手数料っていくらかかりますか"),  # wh-question
    ("receive_card/reservation", "土曜日に受け取りできますか"),  # no short answer for this entry
    ("receive_card/deadline_passed", "きげんが すぎた はがきは どう すれば いいの"),  # wh in kana
    ("card_renewal/where_to_see", "When does my card expire?"),
    ("lost_card_suspend/stop_now", "財布ごとカードを落としました"),  # no question at all
    ("pin_forgotten_locked/forgotten_locked", "暗証番号を忘れたので再設定の手順を教えていただけませんか"),  # a request
    ("receive_card/deadline_passed", "受け取れますか？と聞いたら、期限が過ぎたのでどこに電話すればいいか分からなくて"),
    ("fees/renewal", "手数料は？"),  # "what about the fee?": no yes/no question
    ("pin_forgotten_locked/forgotten_locked", "あんしょうばんごう わすれてしもうた どないしたらええの"),  # wh in dialect
    ("public_fund_account/overview", "公金受取口座ってなんですか"),  # "what is it?", in kana
    ("public_fund_account/how_to_register", "どっから登録すんの"),  # "from where", spoken
    ("address_change/overview", "nani motte iku?"),  # "what", in romaji
    ("convenience_store_certificate/fees", "コンビニって？"),
    # a condition (a day, today, a proxy, applying) the short answer does not speak of
    ("pin_forgotten_locked/forgotten_locked", "土曜日でもできる？"),
    ("health_insurance_card/shikaku_kakuninsho", "資格確認書は申請しないともらえないのでしょうか。"),
    ("pin_forgotten_locked/forgotten_locked", "娘に行ってもらってもいいですか"),
    ("apply_card/by_mail", "今日中に出せる？"),
])
def test_other_messages_get_no_short_answer(table, entry, message):
    assert short_answer(entry, message, table) is None


def test_the_question_of_a_story_is_its_last_asking_sentence():
    story = "母が施設に入っています。はがきは届いています。代わりに受け取れますか。よろしくお願いします。"
    assert question_sentence(story) == "代わりに受け取れますか"


def test_short_answer_reads_the_project_file_by_default():
    assert short_answer("fees/first_time", "無料ですか？") == "はい、" + yaml.safe_load(
        FILE.read_text(encoding="utf-8"))["fees/first_time"]["answer"].split("、", 1)[1]


def test_two_yes_no_questions_in_one_message_get_neither():
    from assistant.knowledge.yes_no import question_sentence

    assert question_sentence("そうですか。じゃあ土曜日も受け取れますか") == "じゃあ土曜日も受け取れますか"  # a remark before it
    assert question_sentence("そもそも取り消すことはできるのでしょうか。取り消したら病院にかかれなくなったりしませんか。") is None
    assert question_sentence("代わりに受け取ることはできないでしょうか") == "代わりに受け取ることはできないでしょうか"


@pytest.mark.parametrize("question", ["これって まいなほけん", "使えるけん", "じょうけん"])
def test_a_noun_or_a_reason_ending_in_ん_is_no_negative_question(question):
    from assistant.knowledge.yes_no import is_negative

    assert not is_negative(question)


def test_a_dialect_request_gets_no_yes_or_no():
    from assistant.knowledge.yes_no import question_sentence

    assert question_sentence("てつだって くれんかね") is None
