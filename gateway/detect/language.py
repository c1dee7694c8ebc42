"""Language of each text (nl | fr | en | de), offline, with py3langid.

Restricting the candidates to the four languages the staff write made py3langid right on
77 of 77 test prompts in the research (../shared/research/offline-nlp.md §5), at about
0.01-0.7 ms per call.  The identifier is private to this object (the module-level one in
py3langid is global state) and read-only after construction, so it is thread-safe.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

import numpy as np
from numpy.typing import NDArray
from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Three letters within the first 2,000 characters, each after any run of non-letters
# ([\W\d_] is the exact complement of the letter class [^\W\d_]); stops at the third letter.
_THREE_LETTERS = re.compile(r"(?:[\W\d_]*+[^\W\d_]){3}")
_LETTER_HORIZON = 2000
# Longer texts are classified on their start, middle and end: reading costs time per byte
# (even with the numpy walk below); 1,200 characters decide the language (every
# dev-set, held-out and bench text gets the same language from 900 characters as from all).
_SAMPLE_CHARS = 1200
_SAMPLE_PARTS = 3
# py3langid 0.4.0's byte automaton (its transition rows, row map and outputs hash to this) ends
# in the same state from every state after any 6 bytes: tests/test_language_speed.py proves it
# over all byte strings.  Another model gets py3langid's own walk.
_AUTOMATON_SHA256 = "66a8601e75491d1731bb7e8d278efd96e5329b1c2d75da39e04ff10835b6efd6"
_WINDOW = 6
# Below this many bytes py3langid's own walk is cheaper than numpy's fixed cost per call.
_VECTOR_BYTES = 256


class LanguageDetector:
    def __init__(self, languages: list[str], default: str,
                 function_words: Mapping[str, Iterable[str]] | None = None) -> None:
        self._identifier = _Identifier.from_model_file(MODEL_FILE, norm_probs=False)
        self._identifier.set_languages(languages)
        self._function_words = FunctionWords(function_words) if function_words else None
        self.default = default

    def detect(self, text: str) -> str:
        """The most likely language; the default for texts with (almost) no letters."""
        if not _THREE_LETTERS.match(text, 0, _LETTER_HORIZON):
            return self.default
        sample = _sample(text)
        if self._function_words is not None and (clear := self._function_words.decide(sample)):
            return clear
        language, _score = self._identifier.classify(sample)
        return str(language)


class FunctionWords:
    """The language of prose that says it plainly: its function words ("het", "les", "the",
    "und") are mostly of one language.

    py3langid walks a 39 MB byte automaton, which costs little in a loop but misses the CPU
    caches once per byte in a gateway whose caches the rest of the request has cooled
    (measured: 0.1-0.5 ms per request of 300 words, and a third less from this test).  A
    set intersection per language settles most prompts; the others (short, mixed, code,
    lists of names) still go to py3langid.  What this decides is what py3langid decides on
    every held-out and bench prompt and each of their sentences
    (tests/test_language_function_words.py), and on the dev set's (checked once).  The word
    lists are data (rules/detection.yaml).
    """

    MIN_WORDS = 3  # distinct function words of the winning language, at least
    MARGIN = 2.0  # times as many as of any other language

    def __init__(self, words: Mapping[str, Iterable[str]]) -> None:
        self._sets = {language: frozenset(w.lower() for w in per_language)
                      for language, per_language in words.items()}

    def decide(self, sample: str) -> str | None:
        """The language, or None when the function words do not make it plain.  Words are
        split at white space only: "het," is missed, which only makes a decision rarer."""
        words = set(sample.lower().split())
        ranked = sorted(((len(words & ws), language) for language, ws in self._sets.items()), reverse=True)
        best, language = ranked[0]
        second = ranked[1][0] if len(ranked) > 1 else 0
        return language if best >= self.MIN_WORDS and best >= self.MARGIN * second else None


def _sample(text: str) -> str:
    """The whole text when short; otherwise evenly spaced pieces of it, cut at spaces."""
    if len(text) <= _SAMPLE_CHARS:
        return text
    size = _SAMPLE_CHARS // _SAMPLE_PARTS
    step = (len(text) - size) // (_SAMPLE_PARTS - 1)
    pieces = []
    for start in range(0, step * _SAMPLE_PARTS, step):
        space = text.find(" ", start, start + size) if start else -1
        begin = space + 1 if space >= 0 else start
        end = text.rfind(" ", begin, begin + size)
        pieces.append(text[begin:end if end > begin else begin + size])
    return " ".join(pieces)


def automaton_digest(identifier: LanguageIdentifier) -> str:
    """SHA-256 of the identifier's byte automaton: what the window proof was made for."""
    digest = hashlib.sha256(identifier.tk_nextmove)
    digest.update(identifier.tk_row)
    digest.update(np.asarray(identifier.tk_output, dtype=np.int32).tobytes())
    return digest.hexdigest()


class _Identifier(LanguageIdentifier):
    """py3langid's identifier with its byte walk vectorised: the same counts, the same scores.

    py3langid feeds the UTF-8 bytes one at a time, in Python, through an automaton over byte
    n-grams and counts the feature of every state it passes (about 0.07 ms per 1,000 bytes).
    That automaton forgets its start after _WINDOW bytes, so the state after byte i is the
    state reached from state 0 by the last _WINDOW bytes alone: numpy finds them all at once,
    in _WINDOW gathers.
    Text encoding, the no-feature floor and the argmax stay py3langid's own code.
    """

    __slots__ = ("_nextmove", "_row_start", "_output")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        verified = automaton_digest(self) == _AUTOMATON_SHA256
        self._nextmove = np.frombuffer(self.tk_nextmove, self.tk_nextmove.typecode) if verified else None
        self._row_start = np.frombuffer(self.tk_row, self.tk_row.typecode).astype(np.intp) << 8
        self._output = np.asarray(self.tk_output, dtype=np.intp)

    def _raw_score(self, text: bytes) -> NDArray[np.float32]:
        """py3langid's naive-Bayes scores; from the numpy walk when the text is long enough."""
        scores = self.vector_score(text) if len(text) >= _VECTOR_BYTES else None
        # Short text, no features or another model: py3langid's own walk (and no-feature floor).
        return super()._raw_score(text) if scores is None else scores

    def vector_score(self, data: bytes) -> NDArray[np.float32] | None:
        """py3langid's _sparse_score of feature_counts, summed in the same (first visit) order,
        so the same floats; None when feature_counts has nothing."""
        counts = self.feature_counts(data)
        if counts is None:
            return None
        features, visits = counts
        return np.log1p(visits.astype(np.float32)) @ self.nb_ptc[features] + self.nb_pc

    def feature_counts(self, data: bytes) -> tuple[NDArray[np.intp], NDArray[np.intp]] | None:
        """The features the walk passes and how often, in order of first visit, as py3langid's
        Counter has them; None when there are none or the automaton is not the proven one."""
        if self._nextmove is None:
            return None
        byte = np.frombuffer(data, dtype=np.uint8)
        state = np.zeros(len(byte), dtype=np.intp)
        # Oldest byte first: at lag k every position i >= k takes byte i-k; positions i < k
        # have no such byte and simply start later, from state 0, as the plain walk does.
        for lag in range(min(_WINDOW, len(byte)) - 1, -1, -1):
            state[lag:] = self._nextmove[self._row_start[state[lag:]] + byte[:len(byte) - lag]]
        passed = self._output[state]
        features, first, visits = np.unique(passed[passed >= 0], return_index=True, return_counts=True)
        if not features.size:
            return None
        order = np.argsort(first)
        return features[order], visits[order]
