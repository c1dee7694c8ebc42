"""Credentials and secrets: detect-secrets' plugins plus a few patterns kept as data.

detect-secrets (Yelp, Apache-2.0) knows the shapes of many providers' keys; on top of
it rules/sensitive/credentials.yaml adds LLM-provider keys, connection strings with a
password, password keywords in Dutch, French and German, and password columns in CSV
exports.  Generic high-entropy detection is deliberately left out: commit SHAs, hashes
and UUIDs in benign tech questions look exactly like it.  A value only counts when it
looks like a secret (see :func:`_looks_secret`), so "password: required" or
"api_key = YOUR_API_KEY" pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import yaml
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.keyword import DENYLIST, KeywordDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

from gateway.core import Finding
from gateway.detect.literals import ClauseIndex, LiteralIndex, caseless_literals, required_literals, satisfied

CREDENTIAL = "CREDENTIAL"

# Plugins with a provider-specific shape (low false-positive rate on prose).
_PLUGINS: tuple[type[BasePlugin], ...] = (
    AWSKeyDetector,
    AzureStorageKeyDetector,
    BasicAuthDetector,
    DiscordBotTokenDetector,
    GitHubTokenDetector,
    GitLabTokenDetector,
    JwtTokenDetector,
    KeywordDetector,
    MailchimpDetector,
    NpmDetector,
    OpenAIDetector,
    PrivateKeyDetector,
    PypiTokenDetector,
    SendGridDetector,
    SlackDetector,
    SquareOAuthDetector,
    StripeDetector,
    TelegramBotTokenDetector,
    TwilioKeyDetector,
)
# detect-secrets picks its keyword grammar by file type; a .py name gives quoted assignments.
_FILENAME = "prompt.py"
_CSV_DELIMITERS = (",", ";", "\t", "|")
_MIN_SECRET_LEN = 6
# Words allowed between a password keyword and "is"/":" ("het wachtwoord van de wifi is").
_FILLER_WORDS = 6
# A value: no spaces, quotes or separators, and no sentence punctuation at its end.
_VALUE = r"[^\s\"',;]*[^\s\"',;.?!:]"
# Character classes (lower, upper, digit, other) a bare value after a keyword needs.
_BARE_CLASSES = 3
# The plugins are slow on long prose lines; they only run where a key-like token,
# a URL with credentials, a PEM header or an assignment occurs.
_CANDIDATE = re.compile(r"[A-Za-z0-9_+/=.-]{16,}|://[^\s/]*@|-----BEGIN|[=:]\s*[\"']")
# _CANDIDATE starts with a branch, so the regex engine tries it at every character of a
# line; each of its branches is found far faster on its own (see _has_candidate).
_TOKEN_RUN = 16
_KEY_RUN = re.compile(r"[A-Za-z0-9_+/=.-]{16}")
_URL_CREDENTIALS = re.compile(r"://[^\s/]*@")
_QUOTED_VALUE = re.compile(r"[=:]\s*[\"']")
# Every KeywordDetector regex contains one of its denylist words (case-insensitive); finding
# one costs a fraction of running those regexes over a long line, most of which have none.
_KEYWORD_GATE = re.compile("|".join(DENYLIST), re.IGNORECASE)
# The denylist words spelled out ("api_?key": "api_key", "apikey").  Substring tests in the
# line folded by _keyword_fold rule out most lines far faster than the regex above.
_KEYWORD_SPELLINGS = tuple(dict.fromkeys(
    spelling for word in DENYLIST for spelling in (word.replace("_?", "_"), word.replace("_?", ""))
))
_KEYWORD_INDEX = LiteralIndex(_KEYWORD_SPELLINGS)


class _PluginStep(NamedTuple):
    """One regex of a regex plugin (or a whole plugin of another kind, ``pattern`` None)."""

    rule: str
    plugin: BasePlugin
    pattern: re.Pattern[str] | None
    caseless: tuple[tuple[str, ...], ...]  # see literals.caseless_literals


class _LineLiterals:
    """The gate literals in one line: as written, and case-folded (worked out on first use)."""

    def __init__(self, line: str, literals: LiteralIndex, folded_literals: LiteralIndex) -> None:
        self.present = literals.present(line)
        self._line = line
        self._folded_literals = folded_literals

    @cached_property
    def folded(self) -> set[str]:
        return self._folded_literals.present(_keyword_fold(self._line))

    def has_caseless(self, clauses: tuple[tuple[str, ...], ...]) -> bool:
        """may_match of a case-insensitive regex's literal sets, in the folded line."""
        return not clauses or satisfied(clauses, self.folded)


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    rule_id: str


class CredentialRules:
    """Finds credentials in a text; thread-safe (plugins and regexes are stateless)."""

    def __init__(self, path: Path) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self._patterns = {name: re.compile(src) for name, src in data["patterns"].items()}
        self._literals = {name: required_literals(pattern) for name, pattern in self._patterns.items()}
        # A case-insensitive pattern ("bearer") keeps no literal above; these are tested in
        # the line folded by _keyword_fold.
        self._caseless = {name: caseless_literals(pattern) for name, pattern in self._patterns.items()}
        keywords = "|".join(re.escape(k) for k in data["keywords"])
        # "wachtwoord: X", "le mot de passe du wifi est X", "the password for the VPN is X".
        self._keyword = re.compile(
            rf"(?i)(?<![\w])(?:{keywords})[\w-]*[\"']?(?:\s+[\w'-]+){{0,{_FILLER_WORDS}}}?\s*"
            r"(?:[:=]|=>|:=|\bis\b|\best\b|\bist\b|\blautet\b|\bis:)\s*"
            rf"[\"']?(?P<secret>{_VALUE})"
        )
        # "wachtwoord Welkom!Gent2025#": no separator, so the value must look like a password.
        self._bare = re.compile(rf"(?i)(?<![\w])(?:{keywords})[\w-]*\s+[\"']?(?P<secret>{_VALUE})")
        self._header = re.compile(rf"(?i)^(?:{keywords})$")
        self._keyword_words = LiteralIndex(k.lower() for k in data["keywords"])
        self._placeholders = [re.compile(p) for p in data["placeholders"]]
        self._plugins = [plugin() for plugin in _PLUGINS]
        # Every regex of the patterns and of the regex plugins, gated by the literals each
        # match contains (found in a line in one pass); the other plugins always run.
        self._pattern_gate = ClauseIndex((name, self._literals[name]) for name in self._patterns)
        self._plugin_steps = [
            _PluginStep(f"credential.{type(plugin).__name__}", plugin, pattern,
                        caseless_literals(pattern) if pattern is not None else ())
            for plugin in self._plugins
            for pattern in (plugin.denylist if isinstance(plugin, RegexBasedDetector) else [None])
        ]
        self._plugin_gate = ClauseIndex(
            (index, required_literals(step.pattern) if step.pattern is not None else ())
            for index, step in enumerate(self._plugin_steps))
        self._line_literals = LiteralIndex(self._pattern_gate.literals() | self._plugin_gate.literals())
        # Case-insensitive regexes ("bearer", Slack's webhook URL) keep their letters here,
        # tested in the line folded by _keyword_fold.
        self._folded_literals = LiteralIndex(
            literal for clauses in [*self._caseless.values(), *(s.caseless for s in self._plugin_steps)]
            for clause in clauses for literal in clause)

    def find(self, text: str, segment: int, language: str) -> list[Finding]:
        """CREDENTIAL findings in one text."""
        hits = {(h.start, h.end): h for h in self._hits(text)}
        return [
            Finding(
                segment=segment,
                start=h.start,
                end=h.end,
                entity_type=CREDENTIAL,
                score=0.9,
                rule_id=h.rule_id,
                value=text[h.start : h.end],
                language=language,
            )
            for h in hits.values()
        ]

    def _hits(self, text: str) -> Iterator[_Hit]:
        offset = 0
        lines = text.split("\n")
        for number, line in enumerate(lines, start=1):
            yield from self._line_hits(line, offset, number)
            offset += len(line) + 1
        yield from self._csv_hits(lines)

    def _line_hits(self, line: str, offset: int, number: int) -> Iterator[_Hit]:
        found = _LineLiterals(line, self._line_literals, self._folded_literals)
        for name in self._pattern_gate.candidates(found.present):
            if not found.has_caseless(self._caseless[name]):
                continue
            for match in self._patterns[name].finditer(line):
                yield from self._accept(line, offset, match.span("secret"), f"credential.{name}")
        yield from self._keyword_hits(line, offset)
        if not _has_candidate(line):
            return
        for index in self._plugin_gate.candidates(found.present):
            step = self._plugin_steps[index]
            if step.pattern is not None:
                if not found.has_caseless(step.caseless):
                    continue
                spans = _regex_spans(step.pattern, line)
            elif isinstance(step.plugin, KeywordDetector) and not _may_have_keyword(line):
                continue
            else:
                spans = _plugin_spans(step.plugin, line, number)
            for span in spans:
                yield from self._accept(line, offset, span, step.rule)

    def _keyword_hits(self, line: str, offset: int) -> Iterator[_Hit]:
        """Values after a password keyword (a substring test skips the regexes on most lines)."""
        lower = line.lower()
        if not self._keyword_words.present(lower):
            return
        for match in self._keyword.finditer(line):
            yield from self._accept(line, offset, match.span("secret"), "credential.keyword")
        for match in self._bare.finditer(line):
            if _char_classes(match.group("secret")) >= _BARE_CLASSES:
                yield from self._accept(line, offset, match.span("secret"), "credential.keyword")

    def _csv_hits(self, lines: list[str]) -> Iterator[_Hit]:
        """Values in the password column of a CSV export (header row names the column)."""
        offset = 0
        column: tuple[str, int] | None = None
        for line in lines:
            if column is None:
                column = self._password_column(line)
            else:
                delimiter, index = column
                cells = line.split(delimiter)
                if len(cells) > index:
                    start = offset + sum(len(c) + 1 for c in cells[:index])
                    yield from self._accept(
                        line,
                        offset,
                        (start - offset, start - offset + len(cells[index])),
                        "credential.csv_password",
                    )
            offset += len(line) + 1

    def _password_column(self, line: str) -> tuple[str, int] | None:
        for delimiter in _CSV_DELIMITERS:
            cells = [c.strip().strip("\"'") for c in line.split(delimiter)]
            if len(cells) > 1:
                for index, cell in enumerate(cells):
                    if self._header.match(cell):
                        return delimiter, index
        return None

    def _accept(self, line: str, offset: int, span: tuple[int, int], rule_id: str) -> Iterator[_Hit]:
        value = line[span[0] : span[1]].strip()
        if _looks_secret(value) and not any(p.search(value) for p in self._placeholders):
            yield _Hit(offset + span[0], offset + span[1], rule_id)


def _regex_spans(pattern: re.Pattern[str], line: str) -> Iterator[tuple[int, int]]:
    """Spans of the secrets a regex plugin's pattern finds in ``line``.

    The plugins report the first group, which is sometimes only a prefix ("ghp" of a
    GitHub token): the whole match is kept unless the group itself is a plausible secret
    (the password of a URL).
    """
    for match in pattern.finditer(line):
        group = match.span(1) if match.re.groups else match.span()
        yield group if group[1] - group[0] >= _MIN_SECRET_LEN else match.span()


def _plugin_spans(plugin: BasePlugin, line: str, number: int) -> Iterator[tuple[int, int]]:
    """Spans of the secrets a plugin that is not a regex plugin finds in ``line``."""
    for secret in plugin.analyze_line(filename=_FILENAME, line=line, line_number=number):
        value = secret.secret_value or ""
        start = line.find(value) if value else -1
        if start >= 0:
            yield start, start + len(value)


def _has_candidate(line: str) -> bool:
    """True exactly when _CANDIDATE matches in ``line``, found branch by branch: "-----BEGIN"
    is a substring test; the quote after "=" or ":" and the credentials of a URL are only
    searched for when their "=", ":" or "://" is there (both regexes start with a literal
    or a class, which the engine scans for in C); a run of 16 key characters has no white
    space, so it lies within one of the line's pieces of 16 or more characters, and only
    those few pieces are searched."""
    if "-----BEGIN" in line:
        return True
    if ("=" in line or ":" in line) and _QUOTED_VALUE.search(line):
        return True
    if "://" in line and _URL_CREDENTIALS.search(line):
        return True
    return any(_KEY_RUN.search(piece) for piece in line.split() if len(piece) >= _TOKEN_RUN)


def _may_have_keyword(line: str) -> bool:
    """False when no denylist word of the KeywordDetector occurs in ``line``."""
    folded = _keyword_fold(line)
    return bool(_KEYWORD_INDEX.present(folded)) and _KEYWORD_GATE.search(line) is not None


def _keyword_fold(line: str) -> str:
    """``line`` with every character that a case-insensitive regex takes for a letter of a
    denylist word (or of a literal of a case-insensitive pattern) turned into that letter:
    case folding does it for all but the Turkish dotted and dotless i
    (tests/test_sensitive_speed.py and test_detect_speed3.py check every code point)."""
    return line.casefold().replace("\u0131", "i").replace("\u0307", "")


def _looks_secret(value: str) -> bool:
    """A plausible secret: long enough and not a plain lowercase word."""
    if len(value) < _MIN_SECRET_LEN:
        return False
    return any(c.isdigit() for c in value) or not value.isalpha() or value != value.lower()


def _char_classes(value: str) -> int:
    """How many of lowercase, uppercase, digits and other characters ``value`` mixes."""
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
