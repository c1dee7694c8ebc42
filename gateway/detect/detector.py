"""PiiDetector: the inspect stage for personal data (core.Inspector).

For each text of a request: normalise (evasion-robust, with an offset map), identify the
language, run the Presidio analyzer (pattern, checksum, phone, address and birth-date
recognizers), find person names, then -- across all texts -- propagate every name found to
its other occurrences.  Overlaps are resolved by score, then length; spans are mapped back
to the original text; allow-listed terms are dropped.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.core import Finding, Inspection
from gateway.detect.allowlist import AllowList
from gateway.detect.engine import build_analyzer
from gateway.detect.language import LanguageDetector
from gateway.detect.lexicon import Lexicon
from gateway.detect.names import NameFinder, NameSpan, merge, tokenize
from gateway.detect.normalize import NormalizedText, normalize
from gateway.detect.patterns import attach_facts
from gateway.detect.rules import DEFAULT_DETECTION_RULES, load_rules

PERSON = "PERSON"
EMAIL = "EMAIL_ADDRESS"
CONTACT_TYPES = frozenset({EMAIL, "PHONE_NUMBER", "IBAN_CODE"})
_NAME_SCORE = 0.85
_PROPAGATED_SCORE = 0.8


@dataclass(frozen=True)
class _Candidate:
    """A detection on the normalised text, before overlap resolution and offset mapping."""

    start: int
    end: int
    entity: str
    score: float
    rule: str


class PiiDetector:
    """Finds personal data in the texts of one request; thread-safe, built once at start-up."""

    def __init__(self, analyzer: AnalyzerEngine, languages: LanguageDetector, names: NameFinder,
                 allowlist: AllowList) -> None:
        self._analyzer = analyzer
        self._languages = languages
        self._names = names
        self._allowlist = allowlist
        # spaCy's tokenizer may grow the shared string store: one text at a time.
        self._nlp_lock = threading.Lock()
        self._needs_tokens = {lang: _uses_context(analyzer, lang) for lang in analyzer.supported_languages}

    @classmethod
    def from_rules(cls, detection_yaml_path: str | Path = DEFAULT_DETECTION_RULES) -> PiiDetector:
        """Build the detector from rules/detection.yaml (and the names/allow-list files it names)."""
        rules, name_rules, allow = load_rules(detection_yaml_path)
        months = [m for per_language in rules.birth_dates.months.values() for m in per_language]
        lexicon = Lexicon.build(name_rules, extra_common=months)
        return cls(
            analyzer=build_analyzer(rules),
            languages=LanguageDetector(rules.languages, rules.default_language, rules.function_words),
            names=NameFinder(name_rules, lexicon),
            allowlist=AllowList(allow, name_rules.role_mailboxes),
        )

    def inspect(self, texts: list[str]) -> Inspection:
        norms = [normalize(text) for text in texts]
        languages = [self._languages.detect(n.text) for n in norms]
        candidates = [self._analyze(n.text, lang) for n, lang in zip(norms, languages, strict=True)]
        for per_text, names in zip(candidates, self._find_names(norms, languages, candidates),
                                    strict=True):
            per_text.extend(names)
        findings = [
            finding
            for segment, (norm, lang, per_text) in enumerate(zip(norms, languages, candidates, strict=True))
            for finding in self._resolve(segment, norm, lang, per_text)
        ]
        return Inspection(findings=findings, languages=languages)

    def _analyze(self, text: str, language: str) -> list[_Candidate]:
        artifacts = self._artifacts(text, language)
        results = self._analyzer.analyze(text=text, language=language, nlp_artifacts=artifacts)
        return [
            _Candidate(r.start, r.end, r.entity_type, r.score,
                       (r.recognition_metadata or {}).get("rule_id", r.entity_type.lower()))
            for r in results
        ]

    def _artifacts(self, text: str, language: str) -> NlpArtifacts:
        """spaCy's tokens, or none when no recognizer of ``language`` has context words;
        with the TextFacts our recognizers share.

        Presidio uses the tokens only for its context enhancer, which skips recognizers
        without context words; tokenising costs more than all our recognizers together.
        """
        if not self._needs_tokens.get(language, True):
            artifacts = NlpArtifacts(entities=[], tokens=[], tokens_indices=[], lemmas=[],  # type: ignore[arg-type]
                                     nlp_engine=None, language=language)
        else:
            with self._nlp_lock:
                artifacts = self._analyzer.nlp_engine.process_text(text, language)
        return attach_facts(artifacts, text)

    def _find_names(self, norms: list[NormalizedText], languages: list[str],
                    candidates: list[list[_Candidate]]) -> list[list[_Candidate]]:
        """Names per text, then every name found anywhere propagated to all texts."""
        emails = [n.text[c.start:c.end] for n, per_text in zip(norms, candidates, strict=True)
                  for c in per_text if c.entity == EMAIL]
        pieces = self._names.local_part_pieces(emails)
        found = [self._names_in(n.text, lang, per_text, pieces)
                 for n, lang, per_text in zip(norms, languages, candidates, strict=True)]
        regexes = self._names.propagation_regexes(
            n.text[s.start:s.end] for n, spans in zip(norms, found, strict=True) for s in spans)
        out = []
        for norm, spans in zip(norms, found, strict=True):
            propagated = [NameSpan(m.start(), m.end(), "name:propagated")
                          for rx in regexes for m in rx.finditer(norm.text)]
            out.append([
                _Candidate(s.start, s.end, PERSON,
                           _PROPAGATED_SCORE if s.rule == "name:propagated" else _NAME_SCORE, s.rule)
                for s in merge(spans + propagated)
            ])
        return out

    def _names_in(self, text: str, language: str, candidates: list[_Candidate], pieces: set[str]
                  ) -> list[NameSpan]:
        """Names of one text: own rules, email local parts, and contact rows."""
        emails = [(c.start, c.end) for c in candidates if c.entity == EMAIL]
        contacts = [(c.start, c.end) for c in candidates if c.entity in CONTACT_TYPES]
        tokens = tokenize(text)
        return (self._names.find(text, language, tokens)
                + self._names.from_local_parts(text, pieces, emails, tokens)
                + self._names.on_contact_lines(text, contacts, tokens))

    def _resolve(self, segment: int, norm: NormalizedText, language: str,
                 candidates: list[_Candidate]) -> list[Finding]:
        """Non-overlapping findings (higher score, then longer span wins), in original offsets."""
        kept: list[_Candidate] = []
        for cand in sorted(candidates, key=lambda c: (-c.score, c.start - c.end, c.start)):
            if all(cand.end <= k.start or cand.start >= k.end for k in kept):
                kept.append(cand)
        findings = []
        for cand in sorted(kept, key=lambda c: c.start):
            start, end = norm.to_original(cand.start, cand.end)
            value = norm.original[start:end]
            if self._allowlist.allows(cand.entity, norm.text[cand.start:cand.end]):
                continue
            findings.append(Finding(segment=segment, start=start, end=end, entity_type=cand.entity,
                                    score=cand.score, rule_id=cand.rule, value=value, language=language))
        return findings


def _uses_context(analyzer: AnalyzerEngine, language: str) -> bool:
    """True when a recognizer of ``language`` has context words (needs spaCy's tokens)."""
    recognizers = analyzer.registry.get_recognizers(language=language, all_fields=True)
    return any(r.context for r in recognizers)
