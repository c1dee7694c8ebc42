"""Console texts in nl, fr and en, kept as data in ``locales/*.yaml``.

The language is, in order: ``?lang=`` (remembered in a cookie), that cookie, the
browser's Accept-Language, English.  A key missing from a locale falls back to
English, and a key missing everywhere shows as itself, so a gap is visible rather
than fatal; a test keeps the three files in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from starlette.requests import Request

LOCALES = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("en", "nl", "fr")
DEFAULT = "en"
LANG_COOKIE = "gw_lang"


@cache
def catalogue(language: str) -> dict[str, str]:
    data = yaml.safe_load((LOCALES / f"{language}.yaml").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


@dataclass(frozen=True)
class Translator:
    language: str

    def __call__(self, key: str, **values: object) -> str:
        text = catalogue(self.language).get(key) or catalogue(DEFAULT).get(key, key)
        return text.format(**values) if values else text


def from_accept_language(header: str) -> str | None:
    """The best supported language of an Accept-Language header (quality values honoured)."""
    choices: list[tuple[float, str]] = []
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            choices.append((quality, primary))
    return max(choices, key=lambda c: c[0])[1] if choices else None


def language_of(request: Request) -> str:
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return from_accept_language(request.headers.get("accept-language", "")) or DEFAULT
