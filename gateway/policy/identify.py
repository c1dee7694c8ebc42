"""Is an Art. 9 term about an identifiable person?  Decided on the structure of the request.

"Explain the symptoms of diabetes" is a topic; "Margot has diabetes" is special-category
data.  A term counts when an identifying finding (a name, contact detail, national
number, or a relation reference such as "my colleague Sarah") is tied to it by one of:

- the same sentence;
- a pronoun in the term's sentence that refers back to a person named in the last few
  sentences (numbered across messages, so the last turn reaches a name given just
  before);
- a short message: every identifier in it counts;
- a message about its subject: a message that names a person before the term is about
  them when it names only one or two persons (a header line "Werknemer: <name>", a
  letter or file about someone, "Herr X, customer number ...") or when the term's
  sentence refers back with a pronoun; then facts anywhere after the name count, unless
  the term's sentence is generic ("a general text about what diabetes is", "our policy").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from gateway.core import Finding
from gateway.policy.rules import Identifiability
from gateway.sensitive.patterns import PhraseSet
from gateway.sensitive.textnorm import fold, sentence_spans

_WORD = re.compile(r"\w+")
_PERSON = "PERSON"
_NAME_TOKEN_MIN = 3  # name tokens this long or longer identify a person across mentions


@dataclass(frozen=True)
class _Sentence:
    segment: int
    start: int
    end: int
    has_pronoun: bool


class SentenceMap:
    """Sentences of every text, in request order, with a lookup from finding to sentence."""

    def __init__(self, texts: list[str], languages: list[str], config: Identifiability) -> None:
        self.texts = texts
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

    def sentence_text(self, position: int) -> str:
        sentence = self.sentences[position]
        return self.texts[sentence.segment][sentence.start : sentence.end]


class Identification:
    """The compiled identifiability rules (rules/policy.yaml ``identifiability``)."""

    def __init__(self, config: Identifiability) -> None:
        self.config = config
        self._generic = PhraseSet(config.generic_cues)

    def identifiers(self, findings: list[Finding]) -> list[Finding]:
        """The findings that single out a person."""
        config = self.config
        return [
            f for f in findings if f.entity_type in config.identifying_types and f.score >= config.min_score
        ]

    def identifiable(self, term: Finding, identifiers: list[Finding], sentences: SentenceMap) -> bool:
        """True when ``term`` is tied to a person by one of ``identifiers`` (see module docstring)."""
        same_message = [f for f in identifiers if f.segment == term.segment]
        if same_message and sentences.short[term.segment]:
            return True
        position = sentences.index(term)
        positions = [sentences.index(f) for f in identifiers]
        if position in positions:
            return True
        pronoun = sentences.sentences[position].has_pronoun
        lookback = position - self.config.pronoun_lookback
        if pronoun and any(lookback <= other < position for other in positions):
            return True
        return self._about_subject(term, same_message, sentences, position, pronoun)

    def _about_subject(
        self, term: Finding, same_message: list[Finding], sentences: SentenceMap, position: int, pronoun: bool
    ) -> bool:
        """A person is named before the term, few persons (or a pronoun), a non-generic sentence."""
        if not any(f.start < term.start for f in same_message):
            return False
        if not pronoun and _person_count(same_message) > self.config.subject_max_persons:
            return False
        return not self._generic.search(fold(sentences.sentence_text(position)))


def _person_count(identifiers: list[Finding]) -> int:
    """Distinct persons among PERSON findings; mentions sharing a name token are one person.

    Without a PERSON finding, other identifiers (a national number, a reference) point to
    one subject.
    """
    groups: list[set[str]] = []
    for finding in identifiers:
        if finding.entity_type != _PERSON:
            continue
        tokens = {t for t in _WORD.findall(finding.value.lower()) if len(t) >= _NAME_TOKEN_MIN}
        matching = [g for g in groups if g & tokens]
        merged = tokens.union(*matching)
        groups = [g for g in groups if not g & tokens] + [merged]
    return len(groups) or (1 if identifiers else 0)
