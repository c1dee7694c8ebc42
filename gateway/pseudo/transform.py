"""Stage 'transform': replace every value to pseudonymise by its surrogate.

Per request:

1. the findings' spans are collected (overlaps resolved: earlier, then longer wins)
   and grouped into *entities* by (type, normalised value), in order of first
   appearance, so values from earlier turns keep their surrogates in later turns even
   when a collision has to be resolved;
2. each distinct spelling ("raw form") of an entity gets a surrogate: keyed draws for
   (type, normalised value, attempt) rendered in the raw form's layout; a candidate is
   rejected (and the attempt counter bumped) if it is not JSON-safe, repeats another
   surrogate, contains any original value of the request or already occurs in the
   request's text;
3. the spans, and every other exact occurrence of a raw form or of a detected
   person's name word elsewhere in the texts (on word boundaries, longest first), are
   replaced, so a name detected in one message does not leak from another;
4. the :class:`~gateway.pseudo.restore.Vault` gets every surrogate with its variants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from gateway.core import Finding
from gateway.pseudo import variants
from gateway.pseudo.keyed import Keyed, load_secret
from gateway.pseudo.names import NameMapper, pools
from gateway.pseudo.restore import Vault
from gateway.pseudo.surrogates import Context, Surrogate, generate
from gateway.pseudo.text import LeakGuard, Literals, json_safe, normalise, to_ascii

_MAX_ATTEMPTS = 50
_WORDS = re.compile(r"[^\W_]+")


@dataclass
class _Entity:
    entity_type: str
    key: str
    language: str
    raw_forms: list[str] = field(default_factory=list)


class Pseudonymiser:
    """``core.Transformer`` producing realistic, keyed, format-preserving surrogates."""

    def __init__(self, secret: bytes | None = None) -> None:
        """``secret`` defaults to ``GATEWAY_PSEUDONYM_SECRET`` (see :func:`load_secret`)."""
        self._keyed = Keyed(secret if secret is not None else load_secret())
        pools()  # load the name lists at start-up, not in the first request

    def transform(self, texts: list[str], findings: list[Finding]) -> tuple[list[str], Vault]:
        spans = _non_overlapping(texts, findings)
        if not spans:
            return list(texts), Vault({})
        entities = _entities(texts, spans)
        originals = [raw for e in entities for raw in e.raw_forms]
        request = _Request(self._keyed, texts, originals)
        replacements: dict[str, str] = {}
        for entity in entities:
            for raw in entity.raw_forms:
                replacements[raw] = request.assign(entity, raw)
        replacements.update(request.word_replacements(replacements))
        sweep = Literals(replacements)
        new_texts = [_rewrite(i, text, spans, replacements, sweep) for i, text in enumerate(texts)]
        return new_texts, Vault(request.vault_variants())


class _Request:
    """The per-request state: used surrogates, the name map and the vault entries."""

    def __init__(self, keyed: Keyed, texts: list[str], originals: list[str]) -> None:
        self._keyed = keyed
        self._guard = LeakGuard(originals)
        self._haystack = "\n".join(texts).casefold()
        words = {w.casefold() for t in texts for w in _WORDS.findall(t)}
        words |= {to_ascii(w) for w in words if not w.isascii()}
        self.names = NameMapper(keyed, words)
        self._used: set[str] = set()
        self._pairs: list[tuple[str, str, str]] = []  # (entity type, surrogate, original)
        self._name_words: dict[str, str] = {}  # original name word -> surrogate word

    def assign(self, entity: _Entity, raw: str) -> str:
        for attempt in range(_MAX_ATTEMPTS):
            draw = self._keyed.draw(entity.entity_type, entity.key, str(attempt))
            ctx = Context(draw, self.names, entity.language, variant=attempt)
            candidate = generate(entity.entity_type, raw, ctx)
            if self._acceptable(candidate.text):
                return self._accept(entity.entity_type, raw, candidate)
        raise RuntimeError(f"no acceptable surrogate for a {entity.entity_type} value")

    def _acceptable(self, text: str) -> bool:
        return (bool(text) and json_safe(text) and text.casefold() not in self._used
                and text.casefold() not in self._haystack
                and not self._guard.reveals(text))

    def _accept(self, entity_type: str, raw: str, surrogate: Surrogate) -> str:
        self._used.add(surrogate.text.casefold())
        self._pairs.append((entity_type, surrogate.text, raw))
        for word, original in surrogate.parts:
            self._pairs.append(("NAME_WORD", word, original))
            self._name_words.setdefault(original, word)
        return surrogate.text

    def word_replacements(self, known: dict[str, str]) -> dict[str, str]:
        """Name words of detected people, for the sweep of undetected occurrences."""
        return {o: s for o, s in self._name_words.items() if o not in known and len(o) > 2}

    def vault_variants(self) -> dict[str, str]:
        return variants.build(self._pairs)


def _non_overlapping(texts: list[str], findings: Iterable[Finding]) -> list[Finding]:
    """Valid spans only; of overlapping ones the earlier, then the longer, wins."""
    kept: list[Finding] = []
    ordered = sorted(findings, key=lambda f: (f.segment, f.start, -(f.end - f.start)))
    for f in ordered:
        if not 0 <= f.segment < len(texts) or f.end <= f.start or f.end > len(texts[f.segment]):
            continue
        if kept and kept[-1].segment == f.segment and f.start < kept[-1].end:
            continue
        kept.append(f)
    return kept


def _entities(texts: list[str], findings: list[Finding]) -> list[_Entity]:
    entities: dict[tuple[str, str], _Entity] = {}
    for f in findings:
        raw = texts[f.segment][f.start:f.end]
        key = normalise(f.entity_type, raw)
        entity = entities.setdefault((f.entity_type, key), _Entity(f.entity_type, key, f.language))
        if raw not in entity.raw_forms:
            entity.raw_forms.append(raw)
    return list(entities.values())


def _rewrite(segment: int, text: str, findings: list[Finding], replacements: dict[str, str],
             sweep: Literals) -> str:
    """The text with its finding spans and other occurrences of known values replaced."""
    spans = [(f.start, f.end, replacements[text[f.start:f.end]]) for f in findings if f.segment == segment]
    taken = [(s, e) for s, e, _ in spans]
    for start, end, literal in sweep.matches(text):
        if not any(start < e and s < end for s, e in taken):
            spans.append((start, end, replacements[literal]))
    out, last = [], 0
    for start, end, replacement in sorted(spans):
        out += [text[last:start], replacement]
        last = end
    return "".join(out) + text[last:]
