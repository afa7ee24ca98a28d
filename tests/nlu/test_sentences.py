"""A message cut into sentences, and which of them ask."""


def test_numbered_questions_and_a_plus_are_read_as_separate_sentences():
    from assistant.nlu.sentences import sentences

    def split(text):
        return [text[s:e].strip() for s, e in sentences(text)]

    assert split("母のことで2つ。①代わりに受け取れますか ②お金はかかりますか") == [
        "母のことで2つ。", "①代わりに受け取れますか", "②お金はかかりますか"]
    assert split("1) how do I register? 2) can I print juminhyo?") == ["1) how do I register?", "2) can I print juminhyo?"]
    assert split("子どもの申請したい＋写真どうやって撮る？") == ["子どもの申請したい", "＋写真どうやって撮る？"]
    # A figure is no numbered question.
    assert split("手数料は2.5万円ですか") == ["手数料は2.5万円ですか"]
    # A keigo writer's second question, and two questions in one line.
    assert split("氏名が変わりました。また、旧姓の併記は可能でしょうか") == ["氏名が変わりました。", "また、旧姓の併記は可能でしょうか"]
    assert split("なにを もっていけば いいですか、よやく は いりますか") == ["なにを もっていけば いいですか、", "よやく は いりますか"]
    assert split("どこか、近くの窓口はありますか") == ["どこか、近くの窓口はありますか"]
    assert split("窓口で本人ですか、と聞かれた。そうか、と思った") == ["窓口で本人ですか、と聞かれた。", "そうか、と思った"]
    assert split("先週も行ったのですが、また、写真が使えないと言われました") == ["先週も行ったのですが、また、写真が使えないと言われました"]
    # Two questions in one keigo sentence: 「…のか、また…」; but not 「何度か、また…」 or 「…のかと、心配です」.
    assert split("何日前から出せるのか、また必要なものは何か教えてください") == ["何日前から出せるのか、", "また必要なものは何か教えてください"]
    assert split("何度か、また窓口に行きました") == ["何度か、また窓口に行きました"]
    assert split("これでいいのかと、心配です") == ["これでいいのかと、心配です"]
    assert split("何ができるのかと、初めての手数料について教えてください") == ["何ができるのかと、", "初めての手数料について教えてください"]
    # Two asked things joined by と after a word that names what is asked; not 「母と、…」.
    assert split("マイナ保険証の登録のしかたと、公金受取口座の登録のしかたを教えて") == [
        "マイナ保険証の登録のしかたと、", "公金受取口座の登録のしかたを教えて"]
    assert split("更新の手数料と、何を持っていけばいいか知りたい") == ["更新の手数料と、", "何を持っていけばいいか知りたい"]
    assert split("母と、どこに行けばいいですか") == ["母と、どこに行けばいいですか"]
    assert split("カードの期限と、在留カードの期限は同じですか") == ["カードの期限と、在留カードの期限は同じですか"]  # one comparison
    # What happened, then the question: 「…きたけど、…」.
    assert split("はがきが きたけど うけとりの ひは よやく いるの") == ["はがきが きたけど", "うけとりの ひは よやく いるの"]
    assert split("登録したけど、変えたい") == ["登録したけど、", "変えたい"]


def test_a_phone_messages_sentences_parted_by_spaces_are_read_one_by_one_but_not_word_spaced_writing():
    from assistant.nlu.sentences import sentences

    def split(text):
        return [text[s:e].strip() for s, e in sentences(text)]

    assert split("会社から番号出せって言われた 通知カードはなくした 番号入りの住民票ってどう取るの") == [
        "会社から番号出せって言われた", "通知カードはなくした", "番号入りの住民票ってどう取るの"]
    assert split("さっき変な電話あった 自動音声で1押せって これ詐欺？") == ["さっき変な電話あった", "自動音声で1押せって", "これ詐欺？"]
    # A space before a word that goes on with the sentence (です, けど, から…) parts nothing.
    assert split("マイナカードの更新したいんだ けど予約いるの？") == ["マイナカードの更新したいんだ けど予約いるの？"]
    # A word that qualifies the next one parts nothing.
    assert split("マイナポイントの 申込期限はいつまでですか") == ["マイナポイントの 申込期限はいつまでですか"]
    assert split("マイナ保険証が使える 病院を教えて") == ["マイナ保険証が使える 病院を教えて"]
    # Word-spaced writing: short chunks, mostly hiragana.
    assert split("はがきが とどいたので うけとりの ひは よやく せんと いけんのですか") == [
        "はがきが とどいたので うけとりの ひは よやく せんと いけんのですか"]
    assert split("でんししょうめいしょの きげんが きれたので こうしんを したいのですが どこに いけば よいですか") == [
        "でんししょうめいしょの きげんが きれたので こうしんを したいのですが どこに いけば よいですか"]


def test_a_wish_a_half_remembered_question_and_a_second_need_ask():
    from assistant.nlu.sentences import asks

    for sentence in ("まえに もらった ぽいんとが のこっているかも しりたいです", "暗証番号って何回までミスっていいんだっけ",
                     "あと、電子証明書の更新も", "併せて有効期限についても", "ご教示いただけますと幸いです",
                     "必要な書類は何ですか、", "代理人の設定と、", "何回まちがえたらロックされますか！",
                     "とうろく されても だいじょうぶ なのか しんぱい です", "ちゃんと届くかどうか心配で…",
                     "いい加減な説明じゃなくて、ちゃんと手数料を教えてください！", "何度も申請させられたのですが、どうしたらいいですか！"):
        assert asks(sentence), sentence
    for sentence in ("通知カードはどこかにいってしまいました。", "母は施設に入っています", "よろしくお願いします。",
                     "また、写真が使えないと言われました。", "何回来させるんですか！", "いつまで待たせるの！！",
                     "ふざけてるんですか！", "母のことが心配です"):
        assert not asks(sentence), sentence


def test_only_a_connective_with_a_comma_or_space_says_another_need():
    from assistant.nlu.sentences import says_another

    assert says_another("あと、手数料は？") and says_another("また、必要なものは何ですか") and says_another("②費用は")
    assert says_another("それと 予約はいる？")
    # 「また…」 with no comma after a question cut at 「…のか、」 is "also", elsewhere it may be "again".
    assert says_another("また必要なものは何か教えてください", before="何日前から出せるのか、")
    assert not says_another("また作りたい", before="返納したけど、")
    assert not says_another("あとで電話します") and not says_another("あと何日で届きますか") and not says_another("またせてすみません")
