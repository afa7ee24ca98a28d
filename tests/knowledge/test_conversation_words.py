"""knowledge/conversation.yml and the entries' signals: greetings, feelings, scams, a person, high-stakes answers."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant.nlu.sentences import asks, sentences


@pytest.fixture(scope="module")
def words(knowledge):
    return knowledge.conversation


DV = "lost_card_suspend/dv_evacuated"
FRAUD = "scam_security/money_sent"


def cases(key, signalled: bool, texts):
    """(key, text, signalled) for each text: whether the entry's explicit words should be found in it."""
    return [(key, text, signalled) for text in texts]


@pytest.mark.parametrize("key, text, signalled", [
    *cases(DV, True, [  # the DV answer needs and finds explicit words
        "夫の暴力から逃げてきました。カードは家に置いたままです",
        "DVで避難中なんですが、マイナンバーカードを相手が持っています",
        "元夫から逃げて今はシェルターにいます。カードをどうしたら",
    ]),
    *cases(DV, False, [  # near misses
        "台風で避難所にいます。カードを家に置いてきてしまいました",
        "母が施設に避難するように入所しました。カードはどうなりますか",
        "カードをなくしたと思ったら、警察から見つかったと連絡がありました",
        "家を出て一人暮らしを始めました。住所変更はどうすれば",
    ]),
    *cases(FRAUD, True, [  # the fraud answer needs money sent or a card gone, also written in kana
        "市役所を名乗る人に言われてATMで10万円振り込んでしまいました",
        "電話で言われるままキャッシュカードを渡してしまった",
        "暗証番号を教えてしまいました。どうしよう",
        "I paid 30000 yen to a man who said he was from the city",
        "おかね を ふりこんで しまいました",
    ]),
    *cases(FRAUD, False, [  # near misses, and a signal taken back by the resident's own words
        "口座番号を聞く電話がきたけど、すぐ切りました。何も払っていません",
        "還付金があるという電話、何も教えてないけど大丈夫？",
        "カードがまた見つかりました。止めたのを戻したい",
        "お金を払わないとカードが止まるというメールがきた",
        "お金は払ってないけど、市役所って名乗る電話でマイナンバー言っちゃったかも",
        "ATMに行ったけど銀行の人が止めてくれて、何も振り込んでいません",
    ]),
])
def test_high_stakes_answers_need_explicit_words(knowledge, key, text, signalled):
    assert knowledge.entry_by_key(key).signalled_by(text) is signalled


@pytest.mark.parametrize("text, phishing", [
    ("マイナポイント20,000円分の付与が保留というメールが届いた", True),
    ("個人情報が漏れたのでカードが停止されるとSMSが来ました", True),
    ("還付金があるってショートメールが来たんだけどほんと？", True),
    ("got an email saying my points are suspended", True),
    ("カードをなくしたので電話で止めたい", False),
    ("マイナポイントはまだもらえますか", False),
    ("メールアドレスの登録ができません", False),
    ("手数料はいくらですか", False),
    # A caller who asks for money.
    ("市役所の者という電話がかかってきて、カードの手続きにお金を振り込めと言われた", True),
    ("Somebody called me, he said he is from the city and I must pay money for my card. true??", True),
    ("再発行のお金を払うのは窓口ですか", False),
    ("受け取りの予約は電話でできますか", False),
    ("Someone keeps calling me saying I must pay money", True),
    # Ordinary questions with a word of money or of a channel (online is no LINE).
    ("Can I pay the fee online?", False),
    ("I got an email from the city. Do I need to pay for the renewal?", False),
    ("公金受取口座の登録にキャッシュカードは必要ですか？メールで案内が来ました", False),
])
def test_phishing_is_recognised_and_ordinary_questions_are_not(words, text, phishing):
    assert words.looks_like_phishing(text) is phishing


@pytest.mark.parametrize("text, warning", [
    ("市役所の者という電話がかかってきて、カードの手続きにお金を振り込めと言われた", "scam_security/scam_calls"),
    ("Somebody called me and said I must pay money for my card", "scam_security/scam_calls"),
    ("還付金があるってショートメールが来たんだけどほんと？", "scam_security/phishing"),
    ("got an email saying my points are suspended", "scam_security/phishing"),
])
def test_a_suspected_scam_call_gets_the_warning_about_calls_and_a_mail_the_one_about_mails(words, text, warning):
    assert words.scam_warning_for(text) == warning


@pytest.mark.parametrize("text,expected", [
    ("もういい、人間だして", True), ("職員と話したい", True), ("もういいです", True),
    ("I want to talk to a real person", True), ("もういい歳なので更新が不安です", False),
    ("もういい、責任者を出せ", True), ("I want to talk to a manager", True),
    ("窓口の受付時間を教えてください。マイナンバーカードの受け取りについて詳しく聞きたいです。長くなりますがよろしくお願いします", False),
])
def test_asking_for_a_person(words, text, expected):
    assert words.asks_for_person(text) is expected


def test_feelings_get_one_acknowledging_sentence(words):
    assert words.acknowledgement("4桁は三振アウトって厳しすぎません？") is not None
    assert words.acknowledgement("施設に預けるのが不安です") is not None
    # a complaint without 「!!」: the phone never answers, the desk ignores working people
    assert words.acknowledgement("何回電話してもつながらない！平日しか開いてないって、働いてる人間のことを考えてないだろ") is not None
    assert words.acknowledgement("窓口で2時間待たされた。いつになったら届くんですか") is not None
    assert words.acknowledgement("暗証番号は何回まちがえてもいいの？") is None  # a plain question
    assert words.acknowledgement("カードの有効期限はいつまでですか") is None
    # 「おかしいと思って」 is suspicion of a call, not a complaint: the worry is acknowledged; a complaint comes first.
    worry = words.acknowledgement("施設に預けるのが不安です")
    assert words.acknowledgement("おかしいと思ってすぐ切りましたが、番号を言ってしまった気がします。不安で眠れません") == worry
    assert words.acknowledgement("何回電話してもつながらない。本当に困ってます") != worry
    assert words.acknowledgement("何回電話してもつながらない。本当に困ってます") == words.acknowledgement("ひどい")


def test_in_domain_words(words):
    for text in ("保険証が使えない", "施設でカードを預かれない", "病院の窓口で番号を見られる？", "役所の証明書", "しやくしょ なんじまで あいとる"):
        assert words.about_the_domain(text)
    assert not words.about_the_domain("明日の天気は？")


def test_greeting_before_a_need(words):
    assert words.greets("こんにちは。暗証番号を忘れました")
    assert not words.greets("暗証番号を忘れました、こんにちは")


def test_the_residents_own_greeting_is_returned(words, tmp_path):
    from assistant.knowledge import KnowledgeError
    from assistant.knowledge.conversation import Conversation

    assert words.greeting_back("おはようございます、カードをなくしました") == "おはようございます。"
    assert words.greeting_back("こんばんわ") == "こんばんは。"
    assert words.greeting_back("Good morning! I lost my card") == "おはようございます。"
    assert words.greeting_back("こんにちは。今朝おはようございますと言えなくて") == "こんにちは。"
    assert words.greeting_back("もしもし") == "こんにちは。"
    broken = tmp_path / "conversation.yml"
    source = (Path(__file__).resolve().parents[2] / "knowledge" / "conversation.yml").read_text(encoding="utf-8")
    broken.write_text(source.replace("      text: おはようございます。\n", ""), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="greeting.replies"):
        Conversation.from_file(broken)


def test_a_story_is_read_sentence_by_sentence():
    text = "母が施設に入っています。私は娘で別世帯です。母の電子証明書の更新はどうすればいいですか？"
    spans = sentences(text)
    assert len(spans) == 3
    assert text[spans[-1][0]:spans[-1][1]].startswith("母の電子証明書")
    assert asks(text[spans[-1][0]:spans[-1][1]])
    assert not asks(text[spans[0][0]:spans[0][1]])


def test_short_pieces_join_their_neighbour():
    assert len(sentences("はい。カードをなくしました")) == 1
    assert sentences("") == []


@pytest.mark.parametrize("text, second", [
    # a short question of its own is not swallowed by the sentence before it
    ("コンビニの住民票 手数料いくら?何時まで?", "何時まで?"),
    # a second question starts at あと / それと / ついでに, with or without a full stop before it
    ("暗証番号 わすれました。それと こうしん は おかね かかりますか", "それと こうしん は おかね かかりますか"),
    ("引っ越したので住所変更に行きたいです、ついでに暗証番号も設定し直せますか", "ついでに暗証番号も設定し直せますか"),
])
def test_a_second_question_is_a_sentence_of_its_own(text, second):
    spans = sentences(text)
    assert len(spans) == 2
    assert text[spans[1][0]:spans[1][1]].strip() == second


def test_a_later_question_is_read_after_the_first_sentence():
    from assistant.nlu.entries import Reading

    first = Reading("コンビニの住民票", [(0, 4, "コンビニ"), (4, 5, "ノ"), (5, 8, "ジュウミンヒョウ")])
    later = Reading("何時まで?", [(0, 2, "ナンジ"), (2, 4, "マデ"), (4, 5, "?")])
    joined = later.after(first)
    assert joined.text == "コンビニの住民票 何時まで?"
    assert [joined.text[s:e] for s, e, _ in joined.words] == ["コンビニ", "の", "住民票", "何時", "まで", "?"]


def test_a_person_asked_for_after_telling_of_staff(words):
    assert words.asks_for_person("担当者から折り返し電話してほしい")
    assert words.asks_for_person("職員から説明を受けたい。人と話したい")


@pytest.mark.parametrize("text", ["人と話すのが苦手なのでスマホで申請したい", "職員と話したいわけじゃない、電話番号だけ知りたい",
                                  "市の職員を名乗る人から、還付金があると電話がありました", "市役所の担当の人から電話があったんだけど",
                                  "市の職員と名のる男から電話"])
def test_not_asking_for_a_person(knowledge, words, text):
    assert not words.asks_for_person(text)
    assert not knowledge.entry_by_key("human_help_request/talk_staff").signalled_by(text)


@pytest.mark.parametrize("text, acknowledged", [
    ("了解", True), ("りょうかいです！", True), ("わかりました。", True), ("なるほどね", True), ("OK", True), ("got it", True),
    ("わかりました、ありがとう", False), ("了解、次お願いします", False), ("わかりましたが、予約はいりますか", False),
    ("了解？", False), ("わかった？", False), ("そうですか？", False),
])
def test_a_bare_acknowledgement_is_recognised(words, text, acknowledged):
    assert words.says_only_ok(text) is acknowledged


@pytest.mark.parametrize("text, english", [
    ("How do I renew my card?", True), ("I lost my My Number card", True), ("watashi no card kigen kireta", True),
    ("PIN", False), ("OK thanks", False), ("my number card の きげん", False), ("カードの更新", False),
])
def test_a_message_in_english_is_recognised(words, text, english):
    assert words.in_english(text) is english


def test_the_words_that_ask_for_no_person_are_the_person_entrys_own(knowledge, words, tmp_path):
    """One list: a short message the entry would not hand over for (「職員の番号だけ教えて」) asks for no person here
    either, and a conversation.yml naming an unknown entry is refused."""
    import shutil

    from assistant.knowledge import KnowledgeError, load_knowledge

    entry = knowledge.entry_by_key(words.person_entry)
    assert entry is not None and words.person_unless == entry.unless
    assert not words.asks_for_person("職員の番号だけ教えて")
    assert words.asks_for_person("職員と話したい")
    folder = tmp_path / "knowledge"
    shutil.copytree(Path(__file__).resolve().parents[2] / "knowledge", folder)
    path = folder / "conversation.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("entry: human_help_request/talk_staff", "entry: human_help_request/nobody"),
                    encoding="utf-8")
    with pytest.raises(KnowledgeError, match="person.entry"):
        load_knowledge(folder)


def test_a_family_members_death_gets_condolences_and_a_lost_card_does_not(words):
    assert words.acknowledgement("先月父が亡くなりました。カードはどうすれば") == "お悔やみ申し上げます。"
    assert words.acknowledgement("おっとが しにました") == "お悔やみ申し上げます。"
    assert words.acknowledgement("母のカードがなくなりました") != "お悔やみ申し上げます。"
    assert words.acknowledgement("亡くなった人のカードは返すの") is None
    # Not for a "what if", nor a card that went missing.
    for text in ("家族が亡くなったらカードはどうなる", "自分が亡くなったら父の口座は", "母がなくなったカードを見つけました"):
        assert words.acknowledgement(text) != "お悔やみ申し上げます。", text


def test_giving_up_on_the_assistant_asks_for_a_person_but_a_machine_that_fails_does_not(words):
    assert words.asks_for_person("もういい、このチャット全然役に立たない")
    assert words.asks_for_person("AIじゃ話にならない")
    assert words.asks_for_person("このチャット役に立たなかった")
    for text in ("コンビニの機械が使えない", "これ使えないの？", "カードが使えない", "GMAILが使えない",
                 "チャットで、カードが使えないって聞いた"):
        assert not words.asks_for_person(text), text


def test_a_visit_to_take_the_card_gets_the_warning_about_visits(words):
    text = "市役所の人が家にきてカードをあずかるっていうんだけど わたしていいの"
    assert words.looks_like_phishing(text) and words.scam_warning_for(text) == "scam_security/home_visit"
    assert words.scam_warning_for("職員を名乗る人が訪問してきて、カードを預かると言う") == "scam_security/home_visit"
    for text in ("申請が保留になってるけど、カードは近いうちに来ますか", "母が訪問販売の業者にマイナンバーカードを渡して、裏をコピーされた"):
        assert words.scam_warning_for(text) != "scam_security/home_visit", text
    call = "市役所の人から電話がきて、還付金があるから口座番号を教えてと言われた"
    assert words.looks_like_phishing(call) and words.scam_warning_for(call) == "scam_security/scam_calls"


def test_calls_the_resident_got_are_no_complaint_about_the_service(words):
    """「何回も電話が来て」 (someone called the resident) is worry, not our fault; 「何回も電話したのに」 is."""
    assert words.acknowledgement("知らない番号から何回も電話が来て、出なかったけど大丈夫かな") == "ご心配ですよね。"
    assert words.acknowledgement("何回も電話したのにつながらない！") == "ご不便をおかけしていて、申し訳ありません。"
