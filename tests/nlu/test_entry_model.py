"""The entry model without Rasa: concepts read from the text, a message with no known word, balanced labels."""
from assistant.nlu.concepts import ConceptReader, load_lexicon
from assistant.nlu.entries import EntryModel, Reading


def reading(text, words):
    """A text whose words are given as (surface, reading) pairs, in order."""
    spans, at = [], 0
    for surface, said in words:
        start = text.index(surface, at)
        spans.append((start, start + len(surface), said))
        at = start + len(surface)
    return Reading(text, spans)


EXAMPLES = [
    (reading("カードをなくした", [("カード", "カード"), ("を", "ヲ"), ("なくし", "ナクシ"), ("た", "タ")]), "lost/card"),
    (reading("カードを落とした", [("カード", "カード"), ("を", "ヲ"), ("落とし", "オトシ"), ("た", "タ")]), "lost/card"),
    (reading("はがきをなくした", [("はがき", "ハガキ"), ("を", "ヲ"), ("なくし", "ナクシ"), ("た", "タ")]), "lost/postcard"),
    (reading("はがきが届かない", [("はがき", "ハガキ"), ("が", "ガ"), ("届か", "トドカ"), ("ない", "ナイ")]), "lost/postcard"),
]


def model():
    return EntryModel().fit([r for r, _ in EXAMPLES], [label for _, label in EXAMPLES])


def test_the_concepts_and_their_pairs_are_read_in_japanese_and_english():
    concepts = ConceptReader(load_lexicon())
    assert concepts("マイナカードを落としちゃった").split() == ["CARD", "LOST", "CARD_LOST"]
    assert set(concepts("I lost my My Number card").split()) >= {"CARD", "LOST", "CARD_LOST"}
    assert concepts("こんにちは") == "NONE"


def test_a_message_with_no_word_seen_in_training_is_not_known():
    trained = model()
    assert trained.knows_a_word_of(reading("カードどうしよう", [("カード", "カード"), ("どうしよう", "ドウシヨウ")]))
    assert not trained.knows_a_word_of(reading("ふがふがもにょ", [("ふがふが", "フガフガ"), ("も", "モ"), ("にょ", "ニョ")]))
    assert not trained.knows_a_word_of(reading("qwerty", [("qwerty", "qwerty")]))


def test_the_card_and_the_postcard_are_told_apart():
    trained = model()
    probs = trained.proba([reading("カードなくした", [("カード", "カード"), ("なくし", "ナクシ"), ("た", "タ")])])[0]
    assert trained.labels[int(probs.argmax())] == "lost/card"


def test_texts_read_together_get_the_probabilities_they_get_one_by_one():
    trained = model()
    texts = [
        reading("カードなくした", [("カード", "カード"), ("なくし", "ナクシ"), ("た", "タ")]),
        reading("はがきが来ない", [("はがき", "ハガキ"), ("が", "ガ"), ("来", "コ"), ("ない", "ナイ")]),
        reading("こんにちは", [("こんにちは", "コンニチハ")]),
        reading("カードを落とした。はがきも届かない", [("カード", "カード"), ("を", "ヲ"), ("落とし", "オトシ"), ("た", "タ"),
                                             ("はがき", "ハガキ"), ("も", "モ"), ("届か", "トドカ"), ("ない", "ナイ")]),
    ]
    together = trained.proba(texts)
    one_by_one = [trained.proba([text])[0] for text in texts]
    assert together.shape == (4, 2)
    for row, alone in zip(together, one_by_one):
        assert row.tolist() == alone.tolist()
    assert together[0].tolist() != together[1].tolist()


def test_the_features_are_the_tf_idf_vectorizers_own():
    import numpy as np
    import scipy.sparse as sp

    trained = model()
    texts = [r for r, _ in EXAMPLES] + [reading("カードとはがき", [("カード", "カード"), ("と", "ト"), ("はがき", "ハガキ")])]
    expected = sp.hstack([
        vectorizer.transform([r.text if name == "text" else trained.concepts(r.text) if name == "concepts" else r.readings
                              for r in texts])
        for name, vectorizer in trained._vectorizers], format="csr")
    import pickle

    for loaded in (trained, pickle.loads(pickle.dumps(trained))):  # the idf vectors kept at load, not stored
        features = loaded._features(texts)
        assert np.array_equal(features.indptr, expected.indptr)
        assert np.array_equal(features.indices, expected.indices)
        assert np.array_equal(features.data, expected.data)
    assert "_idf_cache" not in trained.__getstate__()


def test_every_sentence_whose_own_entry_is_another_is_offered():
    """The asking sentence's own entry when the whole message settles on another; a sentence that tells,
    only when its entry is near certain."""
    from assistant.nlu.entries import read_message

    trained = model()
    asked = reading("カードをなくした。はがきが届かないのはなぜですか", [
        ("カード", "カード"), ("を", "ヲ"), ("なくし", "ナクシ"), ("た", "タ"), ("はがき", "ハガキ"), ("が", "ガ"),
        ("届か", "トドカ"), ("ない", "ナイ"), ("の", "ノ"), ("は", "ハ"), ("なぜ", "ナゼ"), ("です", "デス"), ("か", "カ")])
    reply = read_message(trained, asked)
    assert reply.ranking[0][0] == "lost/postcard"
    assert [(key, text) for key, _, text in reply.parts] == [("lost/card", "カードをなくした。")]
    assert read_message(trained, asked, statement_threshold=1.01).parts == []  # not sure enough: not offered


def test_a_statement_before_あと_is_a_need_of_its_own():
    from assistant.nlu.entries import Reading, _before_another

    pieces = [Reading("暗証番号を忘れました。", []), Reading("あと、電子証明書の更新もしたいです", [])]
    assert _before_another(pieces, 0) and not _before_another(pieces, 1)
    assert not _before_another([Reading("母が施設に入りました。", []), Reading("カードはどうすれば？", [])], 0)


def test_the_sparse_weights_give_scikit_learns_own_scores(monkeypatch):
    """The weights kept sparse give the scores of scikit-learn's dense weights, also after a round trip
    through joblib (which stores them once)."""
    import io

    import joblib
    import numpy as np
    import scipy.sparse as sp
    from scipy.special import softmax
    from sklearn.svm import LinearSVC

    dense = []
    fit = LinearSVC.fit

    def keep_dense(self, *args, **kwargs):
        fitted = fit(self, *args, **kwargs)
        dense.append((self.coef_.copy(), self.intercept_.copy()))
        return fitted

    monkeypatch.setattr(LinearSVC, "fit", keep_dense)
    examples = EXAMPLES + [
        (reading("更新はいつ", [("更新", "コウシン"), ("は", "ハ"), ("いつ", "イツ")]), "renew/when"),
        (reading("更新の通知が来た", [("更新", "コウシン"), ("の", "ノ"), ("通知", "ツウチ"), ("が", "ガ"), ("来", "キ"), ("た", "タ")]),
         "renew/when"),
    ]
    trained = EntryModel().fit([r for r, _ in examples], [label for _, label in examples])
    (coef, intercept), = dense
    assert sp.issparse(trained._weights) and len(trained.labels) == 3 and np.array_equal(trained._weights.T.toarray(), coef)
    texts = [r for r, _ in examples] + [reading("カードの更新", [("カード", "カード"), ("の", "ノ"), ("更新", "コウシン")])]
    expected = softmax((trained._features(texts) @ coef.T + intercept) * trained.temperature, axis=1)
    assert np.allclose(trained.proba(texts), expected, rtol=0, atol=1e-12)

    stored = io.BytesIO()
    joblib.dump(trained, stored)
    stored.seek(0)
    loaded = joblib.load(stored)
    assert np.allclose(loaded.proba(texts), expected, rtol=0, atol=1e-12)
    assert np.shares_memory(loaded._classifier.coef_.data, loaded._weights.data)
    assert np.allclose(loaded._classifier.decision_function(loaded._features(texts)), trained._features(texts) @ coef.T + intercept)


def test_the_asking_sentences_own_entry_is_offered_when_the_whole_message_settles_on_another():
    from assistant.nlu.entries import read_message

    trained = model()
    # The whole message says はがき twice, the asking sentence is about the card.
    text = reading("はがきが届かない、はがきをなくした。カードをなくしたらどうする？", [
        ("はがき", "ハガキ"), ("が", "ガ"), ("届か", "トドカ"), ("ない", "ナイ"), ("はがき", "ハガキ"), ("を", "ヲ"),
        ("なくし", "ナクシ"), ("た", "タ"), ("カード", "カード"), ("を", "ヲ"), ("なくし", "ナクシ"), ("たら", "タラ"),
        ("どう", "ドウ"), ("する", "スル")])
    reply = read_message(trained, text, need_weight=0.3)
    offered = {reply.ranking[0][0]} | {key for key, _, _ in reply.parts}
    assert offered == {"lost/card", "lost/postcard"}


class _Scripted:
    """A stand-in entry model whose probabilities are given per text (the gate's arithmetic, alone)."""

    labels = ["renew/how", "renew/fee", "first/fee"]

    def __init__(self, table):
        self.table = table

    def proba(self, readings):
        import numpy as np

        return np.array([self.table[r.text] for r in readings])


def test_a_later_sentence_is_read_with_the_one_before_only_when_it_is_unsure_alone():
    """「更新はどうやるの？お金はかかる？」: 「お金はかかる？」 alone is unsure, so the sentence before it says which fee;
    a later sentence sure by itself keeps its own entry although the one before says otherwise."""
    from assistant.nlu.entries import read_message

    unsure = _Scripted({
        "更新はどうやるの？お金はかかる？": [0.8, 0.1, 0.1], "更新はどうやるの？": [0.95, 0.03, 0.02],
        "お金はかかる？": [0.1, 0.40, 0.50], "更新はどうやるの？ お金はかかる？": [0.2, 0.75, 0.05]})
    reply = read_message(unsure, Reading("更新はどうやるの？お金はかかる？", []))
    assert reply.ranking[0][0] == "renew/how" and [key for key, _, _ in reply.parts] == ["renew/fee"]
    # The need (the last asking sentence, read as the parts are) is kept for the selector, whose topic may differ.
    assert reply.need[0] == "renew/fee" and reply.need[2] == "お金はかかる？"
    # 「わたしは 82さいで こうきこうれいしゃ です。」 after a question: it tells, and is offered only near certain.
    sure = _Scripted({
        "更新はどうやるの？後期高齢者です。": [0.8, 0.1, 0.1], "更新はどうやるの？": [0.95, 0.03, 0.02],
        "後期高齢者です。": [0.02, 0.03, 0.95], "更新はどうやるの？ 後期高齢者です。": [0.9, 0.05, 0.05]})
    reply = read_message(sure, Reading("更新はどうやるの？後期高齢者です。", []))
    assert reply.ranking[0][0] == "renew/how" and [key for key, _, _ in reply.parts] == ["first/fee"]


def test_the_answer_needs_the_support_of_both_the_whole_message_and_its_asking_sentence():
    """The whole message gives [0, 0.4, 0.6], its asking sentence [0.7, 0.3, 0]: the weighted geometric mean takes
    the label both support; an average (0.7 · whole + 0.3 · sentence) would take the whole message's best, which the
    asking sentence rules out."""
    from assistant.nlu.entries import read_message

    text = "母が特養に入所しています。家族が代わりに受け取れますか"
    scripted = _Scripted({
        text: [0.0, 0.4, 0.6], "母が特養に入所しています。": [0.0, 0.1, 0.9], "家族が代わりに受け取れますか": [0.7, 0.3, 0.0],
        "母が特養に入所しています。 家族が代わりに受け取れますか": [0.0, 0.0, 1.0]})
    assert read_message(scripted, Reading(text, [])).ranking[0][0] == "renew/fee"


def test_a_sentence_that_says_it_is_another_need_takes_its_topic_from_the_context_and_its_entry_from_its_own_words():
    """「更新はどうやるの？また、お金はかかる？」: read with the first question, 「お金はかかる？」 leans to the entry just
    asked (how to renew); its own words say the fee. Marked as another need, it is offered as the renewal's fee; unmarked,
    it is read half with the context as before."""
    from assistant.nlu.entries import read_message
    from assistant.nlu.sentences import says_another

    alone, context = [0.1, 0.35, 0.55], [0.9, 0.05, 0.05]
    marked = _Scripted({
        "更新はどうやるの？また、お金はかかる？": [0.8, 0.1, 0.1], "更新はどうやるの？": [0.95, 0.03, 0.02],
        "また、お金はかかる？": alone, "更新はどうやるの？ また、お金はかかる？": context})
    reply = read_message(marked, Reading("更新はどうやるの？また、お金はかかる？", []))
    assert reply.ranking[0][0] == "renew/how" and [key for key, _, _ in reply.parts] == ["renew/fee"]
    unmarked = _Scripted({
        "更新はどうやるの？お金はかかる？": [0.8, 0.1, 0.1], "更新はどうやるの？": [0.95, 0.03, 0.02],
        "お金はかかる？": alone, "更新はどうやるの？ お金はかかる？": context})
    assert read_message(unmarked, Reading("更新はどうやるの？お金はかかる？", [])).parts == []
    assert says_another("あと、手数料は？") and says_another("また、必要なものは何ですか") and says_another("②費用は")
    assert not says_another("またせてすみません") and not says_another("手数料は？")
