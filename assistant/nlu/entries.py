"""The entry model: which knowledge entry (`topic/entry`) a resident's text asks about (linear, no Rasa import)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp

from assistant.nlu.ranking import geometric_mix
from assistant.nlu.sentences import asks, says_another, sentences, starts_another

# A later sentence this unsure of its entry by itself is read with the first sentence and the one before it too.
UNSURE_ALONE = 0.6
# Topics of conversation around a need (thanks, a greeting): a sentence of theirs is no need when another asks.
CONVERSATION_TOPICS = ("greeting", "goodbye")


def _before_another(pieces: Sequence["Reading"], i: int) -> bool:
    return i + 1 < len(pieces) and starts_another(pieces[i + 1].text)



@dataclass
class Reading:
    """A text and the katakana readings of its words, as the tokenizer gave them."""

    text: str
    words: Sequence[Tuple[int, int, str]]  # (start, end, reading) per token

    def part(self, start: int, end: int) -> "Reading":
        words = [(s - start, e - start, r) for s, e, r in self.words if s >= start and e <= end]
        return Reading(self.text[start:end], words)

    def after(self, context: "Reading") -> "Reading":
        """This text read after another (a later question read with the first sentence's words)."""
        shift = len(context.text) + 1
        return Reading(context.text + " " + self.text,
                       list(context.words) + [(s + shift, e + shift, r) for s, e, r in self.words])

    @property
    def readings(self) -> str:
        return " ".join(r for _, _, r in self.words)


class EntryModel:
    """A linear SVM over character n-grams of the text and of its readings, reading words, and the
    concepts the text shows with their pairs; each label weighs the same however many examples it has
    (balanced; the intent model is not, so that a small intent such as goodbye does not draw nonsense).
    Its scores become probabilities by a softmax at a fixed temperature (fit on held-out voices)."""

    def __init__(self, c: float = 1.0, temperature: float = 8.0, concepts: Optional[Dict[str, str]] = None,
                 balanced: bool = True) -> None:
        from assistant.nlu.concepts import ConceptReader, load_lexicon

        self.c = c
        self.temperature = temperature
        self.balanced = balanced
        self.concepts = ConceptReader(load_lexicon() if concepts is None else concepts)
        self.labels: List[str] = []
        self._vectorizers = None
        self._classifier = None

    def _features(self, readings: Sequence[Reading], fit: bool = False):
        from sklearn.feature_extraction.text import TfidfVectorizer

        if fit:
            self._idf_cache = None
            self._vectorizers = [
                ("text", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1)),
                ("readings", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2)),
                ("words", TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
                ("concepts", TfidfVectorizer(analyzer="word", token_pattern=r"\S+", sublinear_tf=True, lowercase=False)),
            ][: 4 if self.concepts.lexicon else 3]
        columns = [[r.text if name == "text" else self.concepts(r.text) if name == "concepts" else r.readings
                    for r in readings] for name, _ in self._vectorizers]
        if fit:
            return sp.hstack([v.fit_transform(c) for (_, v), c in zip(self._vectorizers, columns)], format="csr")
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

        # TfidfVectorizer.transform's own arithmetic in its own order (sublinear tf, times idf, l2 per row,
        # blocks side by side), without its checks, which recompute the idf vector on every call: the
        # features are the same numbers in the same places, a few times faster.
        n, offset, data, indices, rows = len(readings), 0, [], [], []
        for (_, vectorizer), column, idf in zip(self._vectorizers, columns, self._idf_vectors()):
            tfidf = vectorizer._tfidf
            if not (tfidf.use_idf and tfidf.norm == "l2"):
                return sp.hstack([v.transform(c) for (_, v), c in zip(self._vectorizers, columns)], format="csr")
            counts = CountVectorizer.transform(vectorizer, column)
            x = counts.data
            if tfidf.sublinear_tf:
                np.log(x, x)
                x += 1
            x *= idf[counts.indices]
            # The product with the idf's diagonal matrix lists each row's columns in reverse.
            row_of = np.repeat(np.arange(n), np.diff(counts.indptr))
            order = counts.indptr[row_of] + counts.indptr[row_of + 1] - 1 - np.arange(len(x))
            block = sp.csr_matrix((x[order], counts.indices[order], counts.indptr), shape=counts.shape)
            inplace_csr_row_normalize_l2(block)
            data.append(block.data)
            indices.append(block.indices + offset)
            rows.append(row_of)
            offset += block.shape[1]
        rows_all = np.concatenate(rows)
        by_row = np.argsort(rows_all, kind="stable")
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows_all, minlength=n))])
        return sp.csr_matrix((np.concatenate(data)[by_row], np.concatenate(indices)[by_row], indptr),
                             shape=(n, offset))

    def _idf_vectors(self) -> List[Optional[np.ndarray]]:
        """Each vectorizer's idf vector, taken from its diagonal matrix once (a copy on every message cost a
        fifth of the features' time); None for one without idf."""
        if getattr(self, "_idf_cache", None) is None:
            self._idf_cache = [v._tfidf._idf_diag.diagonal() if v._tfidf.use_idf else None for _, v in self._vectorizers]
        return self._idf_cache

    def fit(self, readings: Sequence[Reading], labels: Sequence[str]) -> "EntryModel":
        from sklearn.svm import LinearSVC

        x = self._features(readings, fit=True)
        # Balanced: an entry written with many examples (the high-stakes ones) does not pull others to it.
        self._classifier = LinearSVC(C=self.c, class_weight="balanced" if self.balanced else None)
        self._classifier.fit(x, list(labels))
        # Most weights are exactly zero (a feature no support vector of a label has): kept sparse, by feature
        # (the product's fast layout), they take a quarter of the memory in the server and its NLU worker and
        # give the same scores. The classifier's coef_ is a view of them, for scikit-learn's own methods.
        self._weights = sp.csr_matrix(self._classifier.coef_.T)
        self._classifier.coef_ = self._weights.T
        self.labels = list(self._classifier.classes_)
        self.vocabulary = frozenset(w for r in readings for _, _, w in r.words if len(w) >= 2)
        return self

    def __getstate__(self) -> Dict[str, object]:
        # The classifier's coef_ is a view of the sparse weights: stored once, made a view again on load.
        state = dict(self.__dict__)
        state.pop("_idf_cache", None)
        if state.get("_weights") is not None and self._classifier is not None:
            import copy

            classifier = copy.copy(self._classifier)
            classifier.__dict__.pop("coef_", None)
            state["_classifier"] = classifier
        return state

    def __setstate__(self, state: Dict[str, object]) -> None:
        self.__dict__.update(state)
        if getattr(self, "_weights", None) is not None and self._classifier is not None:
            self._classifier.coef_ = self._weights.T
        if self._vectorizers:
            self._idf_vectors()  # at load, before a worker is forked: shared pages

    def knows_a_word_of(self, reading: Reading) -> bool:
        """Whether any word of the text (two characters or more) was seen in training: 「ふがふが」 or
        「qwerty」 have none, and then no label can be more than a guess."""
        vocabulary = getattr(self, "vocabulary", None)
        return vocabulary is None or any(len(w) >= 2 and w in vocabulary for _, _, w in reading.words)

    def proba(self, readings: Sequence[Reading]) -> np.ndarray:
        """Probability of each label (self.labels order) for each text."""
        from scipy.special import softmax

        # LinearSVC.decision_function's arithmetic, without its checks (the features are its own).
        classifier = self._classifier
        weights = getattr(self, "_weights", None)  # None in a model trained before the weights were sparse
        features = self._features(readings)
        scores = (features @ weights).toarray() if weights is not None else features @ classifier.coef_.T
        scores = scores + classifier.intercept_
        if scores.shape[1] == 1:
            scores = scores.ravel()
        if scores.ndim == 1:  # two labels: one score, for the second label against the first
            scores = np.stack([-scores, scores], axis=1) / 2
        return softmax(scores * self.temperature, axis=1)


@dataclass
class Reply:
    """What the model read in a message: the entry to answer, its ranking, and other asked parts."""

    ranking: List[Tuple[str, float]]
    parts: List[Tuple[str, float, str]]  # (entry, confidence, sentence) of other sentences that ask
    # (entry, confidence, sentence) of the sentence that asks most (the need), read as the parts are
    need: Optional[Tuple[str, float, str]] = None


def _entry_from_own_words(labels: Sequence[str], alone: np.ndarray, mixed: np.ndarray) -> np.ndarray:
    """Per sentence: the mixed reading, the probability of its likeliest topic shared among that topic's entries
    as the sentence alone shares it."""
    _, index = np.unique([label.split("/", 1)[0] for label in labels], return_inverse=True)
    out = mixed.copy()
    for row, (own, mix) in enumerate(zip(alone, mixed)):
        mass = np.bincount(index, weights=mix)
        chosen = index == int(mass.argmax())
        if own[chosen].sum() > 0:
            out[row, chosen] = mass.max() * own[chosen] / own[chosen].sum()
    return out


def read_message(model: EntryModel, reading: Reading, need_weight: float = 0.3,
                 part_threshold: float = 0.3, top: Optional[int] = None, statement_threshold: float = 0.9) -> Reply:
    """Entry probabilities for a whole message; in a story the asking sentence weighs most."""
    spans = sentences(reading.text)
    pieces = [reading] + [reading.part(s, e) for s, e in spans] if len(spans) > 1 else [reading]
    # 「コンビニで住民票を取りたい。手数料は？何時まで？」: a later question is read after the first sentence and the
    # one before it too, whose words say what it is about; all of them are read in one call.
    in_context = [piece.after(before if k == 2 else before.after(pieces[1]))
                  for k, (before, piece) in enumerate(zip(pieces[1:], pieces[2:]), start=2)]
    read = model.proba(pieces + in_context)
    probs, in_context_probs = read[: len(pieces)], read[len(pieces):]
    whole = probs[0]
    parts: List[Tuple[str, float, str]] = []
    if len(pieces) > 1:
        sentence_probs = probs[1:].copy()
        # Only a sentence unsure by itself is read half with the ones before: a clear one
        # (「わたしは 82さいで こうきこうれいしゃ です。」) keeps its own entry.
        unsure = sentence_probs[1:].max(axis=1) < UNSURE_ALONE
        mixed = 0.5 * sentence_probs[1:] + 0.5 * in_context_probs
        # A later sentence that says it is another need takes its topic from the sentences before it, its entry
        # from its own words: in 「…銀行が合併しました。…変更は必要でしょうか。また、登録に必要なものも教えて」
        # the context says 公金受取口座 and, read whole, the merger again; the sentence itself asks what is needed.
        another = np.array([says_another(p.text, before.text) for before, p in zip(pieces[1:], pieces[2:])], dtype=bool)
        if another.any():
            mixed[another] = _entry_from_own_words(model.labels, sentence_probs[1:][another], mixed[another])
        sentence_probs[1:][unsure] = mixed[unsure]
        asking = [i for i, piece in enumerate(pieces[1:]) if asks(piece.text) or _before_another(pieces[1:], i)]
        # Thanks or a greeting before another need (「ありがとう。それと、登録はどこで…」) is no need itself.
        needs = [i for i in asking if model.labels[int(np.argmax(sentence_probs[i]))].split("/", 1)[0] not in CONVERSATION_TOPICS]
        asking = needs or asking
        # The need is the last asking sentence, but not one that says it is another need (「あわせて、その期限も」):
        # the one before it asked first.
        first_needs = [i for i in asking if not says_another(pieces[1 + i].text, pieces[i].text if i else "")]
        need = (first_needs or asking)[-1] if asking else len(sentence_probs) - 1
        # The whole message and the need (read as its parts are: with the sentence before it when it is unsure
        # alone, 「あと手数料かかる？」) must both support the answer: a weighted geometric mean. In 「母が特養に
        # 入所していて歩けません。…家族が代わりに受け取ることはできますでしょうか。」 the need alone says "a proxy",
        # the whole message "a proxy for a care-home resident"; an average would follow the surer of the two.
        combined = geometric_mix(whole, sentence_probs[need], need_weight)
        j = int(np.argmax(sentence_probs[need]))
        need_part = (model.labels[j], float(sentence_probs[need][j]), pieces[1 + need].text.strip())
        best = int(np.argmax(combined))
        # Every asking sentence whose own entry is not the answer is offered, the need's too: in
        # 「マイナ免許証ってなに？ 切り替えるメリットあんの？」 the whole message says 免許証 and the last sentence メリット.
        for i in asking:
            j = int(np.argmax(sentence_probs[i]))
            # A sentence that says it is another need is offered when half as sure.
            threshold = part_threshold / 2 if says_another(pieces[1 + i].text, pieces[i].text if i else "") else part_threshold
            if j != best and sentence_probs[i][j] >= threshold and all(p[0] != model.labels[j] for p in parts):
                parts.append((model.labels[j], float(sentence_probs[i][j]), pieces[1 + i].text.strip()))
        # A sentence that tells rather than asks (「通知カードはどこかにいってしまいました。」) is offered after
        # the questions, only when its entry is near certain.
        for i in range(len(sentence_probs)):
            j = int(np.argmax(sentence_probs[i]))
            if (i not in asking and j != best and sentence_probs[i][j] >= statement_threshold
                    and all(p[0] != model.labels[j] for p in parts)):
                parts.append((model.labels[j], float(sentence_probs[i][j]), pieces[1 + i].text.strip()))
    else:
        combined, need_part = whole, None
    order = np.argsort(-combined)[:top] if top else np.argsort(-combined)
    return Reply([(model.labels[i], float(combined[i])) for i in order], parts, need_part)
