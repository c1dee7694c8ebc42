"""Typed view of the detection rules (rules/detection.yaml and the files it names).

The files are policy as data, so they are validated strictly like rules/gateway.yaml: an
unknown key is an error, because a typo must not silently switch a recognizer off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_DETECTION_RULES = Path(__file__).resolve().parent.parent.parent / "rules" / "detection.yaml"


class DetectionRulesError(ValueError):
    """A detection rules file is invalid; the message names the file and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Anchor(_Strict):
    """A scan shortcut for a pattern that can start at any word (see scan.AnchoredScanner):
    every match contains a hit of ``find`` and starts where ``back``, matched on the
    reversed text from that hit's start, stops."""

    find: str
    back: str


class PatternRule(_Strict):
    """A regex recognizer, optionally checked by a named validator and a cue before it."""

    name: str
    entity: str
    regex: str
    score: float = 0.9
    validator: str | None = None
    ignore_case: bool = False
    # Try shorter prefixes (cut at separators) until the validator accepts one.
    trim: bool = False
    requires_context: bool = False
    context: list[str] = Field(default_factory=list)
    context_window: int = 50
    anchor: Anchor | None = None


class NumberWords(_Strict):
    units: list[str]  # 0-19
    tens: list[str]  # 20, 30, ... 90
    compounds: list[str]  # how 21-99 are spelled, e.g. "{unit}und{ten}"


class SpokenNumbers(_Strict):
    min_words: int = 5
    separators: str = r"[\s,;.]+"
    numbers: dict[str, NumberWords] = Field(default_factory=dict)


class PhoneRules(_Strict):
    score: float = 0.95
    regions: list[str]
    candidate: str
    not_a_phone: list[str] = Field(default_factory=list)
    spoken: SpokenNumbers = SpokenNumbers()


class BirthDateRules(_Strict):
    score: float = 0.95
    context_window: int = 35
    cues: list[str]
    # Verb-final clauses put the cue after the date: "ist am 14.07.1988 geboren".
    cues_after: list[str] = []
    after_window: int = 15
    months: dict[str, list[str]]


class AddressRules(_Strict):
    score: float = 0.9
    compound_suffixes: list[str]
    separate_types: list[str]
    french_types: list[str]
    french_articles: list[str]
    english_types: list[str]
    house_number: str
    postcode_town: str


class Cues(_Strict):
    strong: dict[str, list[str]]
    weak: dict[str, list[str]]
    # Verbs and prepositions that take a person ("bel", "voor", "ask"): enough for a
    # lower-case first name, which has lost the evidence of a capital.
    person_context: dict[str, list[str]] = Field(default_factory=dict)
    # Labels that open a list of people ("Aanwezig:", "Participants :").
    attendee_lists: dict[str, list[str]] = Field(default_factory=dict)


class NameRules(_Strict):
    gazetteer_locales: str | list[str] = "all"
    common_word_locales: list[str] = Field(default_factory=list)
    min_first_name_length: int = 2
    common_words: list[str] = Field(default_factory=list)
    not_names: list[str] = Field(default_factory=list)
    particles: list[str] = Field(default_factory=list)
    place_prefixes: list[str] = Field(default_factory=list)
    # Faker address locales whose cities, provinces, regions and countries are places, never
    # the start of a name.
    place_locales: list[str] = Field(default_factory=list)
    # Language -> Faker person locales whose first names are in common use where it is spoken.
    regional_locales: dict[str, list[str]] = Field(default_factory=dict)
    # Languages that capitalise every noun: a lone capitalised first name must be regional.
    noun_capitalising_languages: list[str] = Field(default_factory=list)
    # Company forms ("NV", "S.A.", "GmbH"): capitalised words right before one are a firm.
    legal_forms: list[str] = Field(default_factory=list)
    cues: Cues
    signoffs: list[str] = Field(default_factory=list)
    role_mailboxes: list[str] = Field(default_factory=list)


class Allowlist(_Strict):
    terms: list[str] = Field(default_factory=list)
    contains: list[str] = Field(default_factory=list)


class DetectionRules(_Strict):
    languages: list[str]
    default_language: str = "nl"
    # Language -> words that only it uses often (see gateway.detect.language.FunctionWords).
    function_words: dict[str, list[str]] = Field(default_factory=dict)
    names_file: str
    allowlist_file: str
    patterns: list[PatternRule]
    phones: PhoneRules
    birth_dates: BirthDateRules
    addresses: AddressRules

    @model_validator(mode="after")
    def _function_words_tell_languages_apart(self) -> DetectionRules:
        """Each list is of a detected language, and no word is in two: one that is would
        count for both."""
        seen: dict[str, str] = {}
        for language, words in self.function_words.items():
            if language not in self.languages:
                raise ValueError(f"function_words: {language!r} is not one of the languages")
            for word in words:
                other = seen.setdefault(word.lower(), language)
                if other != language:
                    raise ValueError(f"function_words: {word!r} is listed for both {other} and {language}")
        return self


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DetectionRulesError(f"{path}: {exc}") from exc
    return data or {}


def _parse(model: type[_Strict], path: Path) -> Any:
    try:
        return model.model_validate(_read(path))
    except ValidationError as exc:
        raise DetectionRulesError(f"{path}: {exc}") from exc


def load_rules(path: str | Path = DEFAULT_DETECTION_RULES) -> tuple[DetectionRules, NameRules, Allowlist]:
    """Load detection.yaml and the names and allow-list files it refers to (relative paths)."""
    main = Path(path)
    rules: DetectionRules = _parse(DetectionRules, main)
    names: NameRules = _parse(NameRules, main.parent / rules.names_file)
    allow: Allowlist = _parse(Allowlist, main.parent / rules.allowlist_file)
    return rules, names, allow
