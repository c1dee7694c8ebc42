"""Is an Art. 9 term about an identifiable person?  Decided on sentence windows.

"Explain the symptoms of diabetes" is a topic; "Margot has diabetes" is special-category
data.  A term counts when an identifying finding (a name, contact detail, national
number, or a relation reference such as "my colleague Sarah") is in the same sentence,
in a recent sentence that a pronoun in the term's sentence refers back to, or anywhere
in a short message.  Sentences are numbered across all messages of the request so a
pronoun in the last turn can reach a name given just before.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from gateway.core import Finding
from gateway.policy.rules import Identifiability
from gateway.sensitive.textnorm import sentence_spans

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Sentence:
    segment: int
    start: int
    end: int
    has_pronoun: bool


class SentenceMap:
    """Sentences of every text, in request order, with a lookup from finding to sentence."""

    def __init__(self, texts: list[str], languages: list[str], config: Identifiability) -> None:
        self.sentences: list[_Sentence] = []
        self._starts: dict[int, list[int]] = {}
        self._first: dict[int, int] = {}
        self.short = {i: len(_WORD.findall(t)) <= config.short_message_words for i, t in enumerate(texts)}
        for segment, text in enumerate(texts):
            pronouns = config.pronouns.get(
                languages[segment] if segment < len(languages) else "en", frozenset()
            )
            self._first[segment] = len(self.sentences)
            self._starts[segment] = []
            for start, end in sentence_spans(text) or [(0, 0)]:
                words = {w.lower() for w in _WORD.findall(text[start:end])}
                self.sentences.append(_Sentence(segment, start, end, bool(words & pronouns)))
                self._starts[segment].append(start)

    def index(self, finding: Finding) -> int:
        """Global sentence number of a finding."""
        local = max(0, bisect_right(self._starts[finding.segment], finding.start) - 1)
        return self._first[finding.segment] + local


def identifiable(
    term: Finding, identifiers: list[Finding], sentences: SentenceMap, config: Identifiability
) -> bool:
    """True when ``term`` is tied to a person by one of ``identifiers`` (see module docstring)."""
    position = sentences.index(term)
    window = {position}
    if sentences.sentences[position].has_pronoun:
        window.update(range(max(0, position - config.pronoun_lookback), position))
    for finding in identifiers:
        if finding.segment == term.segment and sentences.short[term.segment]:
            return True
        if sentences.index(finding) in window:
            return True
    return False
