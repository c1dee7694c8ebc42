"""The Presidio AnalyzerEngine: one blank spaCy pipeline per language, our recognizers only.

No statistical NER runs by default: spaCy's small English model costs about 69 ms for a
300-word prompt here (the whole gateway may add 25 ms) and still tags Dutch names as
places; there is no Dutch or German model on PyPI at all (models/README.md).  A blank
pipeline only tokenises (well under 1 ms); a one-line component sets lemma = lower case,
which is what Presidio's context enhancer compares context words with.  SpacyNlpEngine.load()
would try to download a model, so the pipelines are put in place directly.
"""

from __future__ import annotations

import spacy
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from spacy.language import Language
from spacy.tokens import Doc

from gateway.detect.addresses import AddressRecognizer
from gateway.detect.dates import BirthDateRecognizer
from gateway.detect.patterns import ValidatedPatternRecognizer
from gateway.detect.phones import PhoneRecognizer
from gateway.detect.rules import DetectionRules
from gateway.detect.spoken import SpokenPhoneRecognizer


@Language.component("lower_lemma")
def lower_lemma(doc: Doc) -> Doc:
    """Blank pipelines have no lemmatizer; Presidio matches context words on lemmas."""
    for token in doc:
        token.lemma_ = token.lower_
    return doc


def blank_pipeline(language: str) -> Language:
    nlp = spacy.blank(language)
    nlp.add_pipe("lower_lemma")
    return nlp


def recognizers(rules: DetectionRules, language: str) -> list[EntityRecognizer]:
    """Every recognizer for one language (street and number forms do not depend on it)."""
    out: list[EntityRecognizer] = [ValidatedPatternRecognizer(rule, language) for rule in rules.patterns]
    out += [
        PhoneRecognizer(rules.phones, language),
        SpokenPhoneRecognizer(rules.phones, language),
        BirthDateRecognizer(rules.birth_dates, language),
        AddressRecognizer(rules.addresses, language),
    ]
    return out


class ContextWordsEnhancer(LemmaContextAwareEnhancer):
    """Presidio's context enhancer, skipped when no recognizer has context words.

    Ours take their cues themselves (a birth cue before a date, a document word before
    a passport number), so the enhancer would change no score; it would still deep-copy
    every result first (about 0.1 ms for a prompt with six personal values).
    """

    def enhance_using_context(self, text: str, raw_results: list[RecognizerResult],
                              nlp_artifacts: NlpArtifacts, recognizers: list[EntityRecognizer],
                              context: list[str] | None = None) -> list[RecognizerResult]:
        if not context and not any(r.context for r in recognizers):
            return raw_results
        return super().enhance_using_context(text, raw_results, nlp_artifacts, recognizers, context)


def build_analyzer(rules: DetectionRules) -> AnalyzerEngine:
    nlp_engine = SpacyNlpEngine(models=[{"lang_code": lang, "model_name": f"blank:{lang}"}
                                        for lang in rules.languages])
    # Set the pipelines ourselves: SpacyNlpEngine.load() would try to download a model.
    nlp_engine.nlp = {lang: blank_pipeline(lang) for lang in rules.languages}  # type: ignore[assignment]
    registry = RecognizerRegistry(
        recognizers=[r for lang in rules.languages for r in recognizers(rules, lang)],
        supported_languages=rules.languages,
    )
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=rules.languages,
                          context_aware_enhancer=ContextWordsEnhancer())
