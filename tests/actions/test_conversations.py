"""Whole conversations over the REST channel: every topic's key fact, in the registers residents use."""
import uuid

import pytest

pytestmark = pytest.mark.model

# (topic, a resident's question, facts the reply must hold)
TOPIC_CASES = [
    ("apply_card", "マイナンバーカードを作りたいんだけど、どうやって申し込むの？", ["郵送", "スマートフォン", "出典："]),
    ("apply_online_smartphone", "スマホ申請で入れる申請書IDって何桁の数字？", ["23桁"]),
    ("apply_photo", "申請に使う写真のサイズは何センチですか", ["4.5", "3.5"]),
    ("application_status", "申請してからカードができるまでどれくらいかかりますか", ["1か月"]),
    ("receive_card", "交付通知書が届きました。受け取りに何を持っていけばいいですか", ["交付通知書", "本人確認書類"]),
    ("proxy_receive", "母が入院していて受け取りに行けません。家族が代わりに受け取れますか", ["代理の方が受け取れ", "入院"]),
    ("fees", "再発行の手数料はいくらですか", ["1,000円", "800円"]),
    ("pin_forgotten_locked", "暗証番号を忘れてロックされてしまいました", ["窓口", "再設定", "コンビニ"]),
    ("lost_card_suspend", "マイナンバーカードを落としたみたいです。どうしたらいいですか", ["0120-95-0178", "24時間"]),
    ("card_renewal", "マイナンバーカード本体の有効期限はいつまでですか", ["10回目の誕生日"]),
    ("cert_renewal", "電子証明書の有効期限はいつまでですか", ["5回目の誕生日"]),
    ("address_change", "引っ越したらマイナンバーカードはどうすればいいですか", ["14日", "継続利用"]),
    ("health_insurance_card", "マイナ保険証の利用登録はどうやってするの", ["顔認証付きカードリーダー"]),
    ("face_auth_card", "顔認証マイナンバーカードって何ですか", ["暗証番号を設定しない"]),
    ("mynaportal_login", "マイナポータルにログインするには何が必要ですか", ["利用者証明用の暗証番号", "4桁"]),
    ("smartphone_card", "iPhoneにマイナンバーカードを入れるにはどうすればいいですか", ["iOS 18.5"]),
    ("online_procedure_childcare", "児童手当をオンラインで申請したいです", ["15日以内"]),
    ("convenience_store_certificate", "コンビニで住民票を取れるのは何時から何時までですか", ["6時30分", "23時"]),
    ("public_fund_account", "公金受取口座を登録すると、貯金の額が国に知られますか", ["知られることはありません"]),
    ("mynapoint", "マイナポイントってまだもらえますか", ["終わりました"]),
    ("foreign_resident_period", "在留カードを更新したらマイナンバーカードの期限はどうなりますか", ["自動では延びません"]),
    ("overseas_move", "海外に引っ越してもマイナンバーカードは使えますか", ["継続利用"]),
    ("my_number_lookup", "自分のマイナンバーがわからないのですが、どうやって調べればいいですか", ["住民票"]),
    ("card_return", "マイナンバーカードを返納したいです", ["元に戻す"]),
    ("other_card_services", "マイナ免許証はいつから始まったのですか", ["令和7年3月24日"]),
    ("scam_security", "市役所を名乗る電話で口座番号と暗証番号を聞かれました", ["聞くことはありません"]),
    ("digital_support", "スマホが苦手なので、使い方を教えてくれる教室はありますか", ["教室"]),
    ("human_help_request", "職員さんと直接話したいです", ["職員におつなぎします"]),
    ("greeting", "こんにちは", ["まどぐちナビ"]),
    ("goodbye", "よくわかりました、ありがとうございました", ["ありがとうございました"]),
    ("out_of_scope", "燃えるゴミの日は何曜日ですか", ["0120-000-000"]),
    ("unclear_need_clarification", "カード", ["ご用件"]),
]

# The registers residents type in: (topic, message, facts the reply must hold)
REGISTER_CASES = [
    ("kana only", "あんしょうばんごう わすれちゃった", ["もう一度決められます", "窓口"]),  # in hiragana: the easy text
    ("half-width katakana", "ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ なくした", ["0120-95-0178"]),
    ("typo", "暗唱番号がロックされた", ["再設定"]),
    ("dialect", "マイナのカード、どっかで落としてもうたんやけど、どないしたらええ？", ["0120-95-0178"]),
    ("keigo", "恐れ入りますが、電子証明書の更新の手続きはどちらでできますでしょうか", ["窓口"]),
    ("English mixed", "my number cardのPINをforgotしました", ["再設定"]),
    ("English", "I lost my My Number card. What should I do?", ["24時間365日"]),
    ("long message",
     "こんにちは。うちの父のことなんですが、80歳で一人暮らしをしていて、スマホも持っていません。"
     "役所から届いた書類を見てもよくわからないみたいで、マイナンバーカードを作りたいと言っているのですが、"
     "誰か手伝ってくれるところはありますか。", ["お手伝い"]),
    pytest.param(
        "long message, two topics",
        "いつもお世話になっております。実は先週の日曜日に駅前で買い物をしていたのですが、家に帰ってから財布の中を見たら"
        "マイナンバーカードが入っていませんでした。保険証としても使っていたので困っています。まず何をすればいいでしょうか。",
        ["0120-95-0178"],
        id="long message, two topics",
    ),
    pytest.param(
        "long message, need in the middle",
        "先日、実家の母から電話があって、マイナンバーカードの受け取りの案内のはがきが届いたらしいのですが、"
        "母は足が悪くて市役所まで行けないそうです。私が代わりに受け取りに行くことはできるのでしょうか。"
        "仕事の合間に行くつもりです。", ["代理"],
        id="long message, need in the middle",
    ),
]


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize("topic, question, facts", TOPIC_CASES, ids=[c[0] for c in TOPIC_CASES])
def test_each_topic_answers_with_its_key_fact(assistant, topic, question, facts):
    sender = new_sender()
    reply = assistant.text(sender, question)
    for fact in facts:
        assert fact in reply, f"{fact!r} missing from: {reply}"
    assert assistant.tracker(sender)["slots"]["last_topic"] == topic


@pytest.mark.parametrize(
    "register, message, facts",
    [pytest.param(*c, id=c[0]) if type(c) is tuple else c for c in REGISTER_CASES],
)
def test_residents_registers_are_understood(assistant, register, message, facts):
    reply = assistant.text(new_sender(), message)
    for fact in facts:
        assert fact in reply, f"{fact!r} missing from: {reply}"


def test_answers_carry_source_and_as_of_date(assistant):
    reply = assistant.text(new_sender(), "マイナンバーカードの暗証番号を忘れました")
    assert "出典：https://" in reply and "時点の情報です" in reply


def test_a_single_word_asks_which_one_with_buttons_and_a_button_answers(assistant):
    sender = new_sender()
    replies = assistant.send(sender, "暗証番号")
    assert "どの暗証番号" in replies[0]["text"]
    button = next(b for b in replies[0]["buttons"] if "コンビニ" in b["title"])
    reply = assistant.text(sender, button["payload"])
    assert "JPKI暗証番号リセット" in reply


def test_a_topic_button_lists_its_questions_and_each_leads_to_an_answer(assistant):
    sender = new_sender()
    replies = assistant.send(sender, "マイナンバーカードをなくしました")
    assert replies[0]["buttons"][0]["payload"] == '/guide_start{"guide":"lost_card"}'
    payload = next(b["payload"] for b in replies[0]["buttons"] if b["payload"] == "/fees")
    submenu = assistant.send(sender, payload)[0]
    assert submenu["text"].startswith("どの手数料")
    assert all(b["payload"].startswith('/fees{"subtopic":') for b in submenu["buttons"])
    reissue = next(b for b in submenu["buttons"] if "再発行" in b["title"])
    assert "1,000円" in assistant.text(sender, reissue["payload"])


def test_nonsense_twice_hands_over_to_a_person(assistant):
    sender = new_sender()
    first = assistant.send(sender, "ふがふがもにょもにょ")
    second = assistant.send(sender, "qwertyuiop asdf")
    assert "読み取れませんでした" in first[0]["text"]
    assert "職員におつなぎします" in second[0]["text"]
    assert assistant.store.open_handoff(sender).reason == "nlu_failure"


def test_a_good_answer_resets_the_failure_count(assistant):
    sender = new_sender()
    assistant.send(sender, "ふがふがもにょもにょ")
    assistant.send(sender, "暗証番号を忘れました")
    third = assistant.send(sender, "qwertyuiop asdf")
    assert "職員におつなぎします" not in third[0]["text"] and assistant.store.open_handoff(sender) is None
