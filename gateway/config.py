"""The rules file (rules/gateway.yaml): allowed providers and models, policy, contact point.

The file is policy as data, written by IT.  It is validated strictly: an unknown key
is an error that names the line, because a typo such as ``modles:`` must not silently
open or close access.  ``gateway rules check FILE`` runs exactly this loader.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

# The shipped rules: the copy inside an installed wheel (made by setup.py), else rules/ at
# the root of the checkout (development, editable installs), where IT edits them.
_PACKAGED_RULES = Path(__file__).resolve().parent / "_rules"
RULES_DIR = _PACKAGED_RULES if _PACKAGED_RULES.is_dir() else Path(__file__).resolve().parent.parent / "rules"
DEFAULT_RULES = RULES_DIR / "gateway.yaml"


class RulesError(ValueError):
    """The rules file is invalid; the message says where and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provider(_Strict):
    """An upstream LLM provider IT allows, with the models that may be used there."""

    name: str
    api: Literal["openai", "anthropic"]
    base_url: str
    api_key_env: str
    models: list[str]
    # Content parts that cannot be scanned (images, files, audio) are refused unless the
    # provider's profile allows them, e.g. an in-house model.
    allow_media: bool = False
    # Policy profile for this provider (see rules/policy.yaml), e.g. "in_house".
    profile: str = "default"
    timeout_s: float = 120.0
    # Customer-facing chatbots: the gateway adds a system instruction that the bot must
    # say it is an AI (AI Act Art. 50(1)); see gateway.transparency.
    disclose_ai: bool = False
    # Every answer carries a notice that AI output must be checked before it is used.
    verify_reminder: bool = False
    # Extra attempts after a timeout, a dropped connection or a 5xx.  Each one may send
    # the prompt to the provider again (it may have received the first one), so the
    # default is none: only IT can allow that, per provider.
    retries: int = Field(default=0, ge=0, le=5)

    def serves(self, model: str) -> bool:
        """True if ``model`` matches one of the allowed names (shell-style globs)."""
        return any(fnmatch.fnmatchcase(model, pattern) for pattern in self.models)

    def api_key(self) -> str:
        """The provider key from the environment; never logged or echoed."""
        return os.environ.get(self.api_key_env, "")


class Contact(_Strict):
    """The company's contact point for questions about the AI policy."""

    name: str = "AI Policy Desk"
    email: str = ""
    url: str = ""


class Limits(_Strict):
    max_body_bytes: int = 4_000_000
    max_messages: int = 1000
    max_text_chars: int = 400_000
    # A client that has not sent its whole body by then gets 408 (a slow upload holds a
    # connection and a worker slot for as long as it lasts).
    body_timeout_s: float = Field(default=60.0, gt=0)


class RateLimit(_Strict):
    """Requests one user may send: ``requests_per_minute`` on average, ``burst`` at once.

    No ``requests_per_minute`` means no limit.
    """

    requests_per_minute: float | None = Field(default=None, gt=0)
    # Requests that may arrive back to back before the average applies (default: one
    # minute's worth).
    burst: int | None = Field(default=None, ge=1)

    def burst_size(self) -> int:
        if self.burst is not None:
            return self.burst
        return max(1, int(self.requests_per_minute or 1))


class RateLimits(RateLimit):
    """Per-user rate limits: the fields of :class:`RateLimit` for everyone, and overrides
    per user group (a group's entry replaces the default as a whole)."""

    groups: dict[str, RateLimit] = Field(default_factory=dict)

    def for_group(self, group: str | None) -> RateLimit:
        return self.groups.get(group, self) if group is not None else self


class Rules(_Strict):
    """The whole rules file."""

    providers: list[Provider] = Field(default_factory=list)
    contact: Contact = Contact()
    limits: Limits = Limits()
    rate_limits: RateLimits = RateLimits()
    # Other files under rules/ (relative to this file): detection and policy data.
    detection: str | None = None
    policy: str | None = None
    # Energy factors per model (default: the shipped rules/energy.yaml).
    energy: str | None = None
    # Only users with recorded, unexpired AI-literacy training may use the gateway
    # (`gateway users training NAME --until DATE`); others get 403 training_required.
    require_training: bool = False
    source: str = ""

    def provider_for_model(self, model: str) -> Provider | None:
        """The provider that serves ``model``, or None when no provider allows it."""
        for provider in self.providers:
            if provider.serves(model):
                return provider
        return None

    def provider_named(self, name: str) -> Provider | None:
        return next((p for p in self.providers if p.name == name), None)

    def resolve(self, relative: str | None, default: str) -> Path:
        """A data file named in the rules (relative to the rules file), or the shipped one.

        A rules file that names no detection or policy data gets the shipped defaults,
        so a minimal file with only ``providers`` is fully protected.
        """
        if relative is None:
            return DEFAULT_RULES.parent / default
        base = Path(self.source).parent if self.source else DEFAULT_RULES.parent
        return base / relative


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping key."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = cast(dict[str, Any], loader.construct_mapping(node, deep=True))
    lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
    mapping["__lines__"] = lines
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__lines__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _line_of(raw: Any, loc: tuple[Any, ...]) -> int | None:
    """Follow a pydantic error location through the raw YAML to the key's line."""
    node, line = raw, None
    for part in loc:
        if isinstance(node, dict):
            line = node.get("__lines__", {}).get(str(part), line)
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            break
    return line


def parse_rules(text: str, source: str = "<rules>") -> Rules:
    """Parse and validate rules text; raise RulesError with a line number."""
    try:
        raw = yaml.load(text, Loader=_LineLoader) or {}
    except yaml.YAMLError as exc:
        raise RulesError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise RulesError(f"{source}: the rules file must be a mapping")
    try:
        rules = Rules.model_validate({**_strip_lines(raw), "source": source})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            line = _line_of(raw, err["loc"])
            where = ".".join(str(p) for p in err["loc"])
            at = f" (line {line})" if line else ""
            problems.append(f"{source}{at}: {where}: {err['msg']}")
        raise RulesError("\n".join(problems)) from exc
    _check_semantics(rules, source)
    return rules


def _check_semantics(rules: Rules, source: str) -> None:
    names = [p.name for p in rules.providers]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise RulesError(f"{source}: duplicate provider names: {', '.join(sorted(duplicates))}")
    for p in rules.providers:
        if not p.base_url.startswith(("http://", "https://")):
            raise RulesError(f"{source}: provider {p.name}: base_url must be http(s)")


def load_rules(path: str | os.PathLike[str] | None = None) -> Rules:
    """Load the rules file (default: the shipped rules/gateway.yaml)."""
    target = Path(path) if path else DEFAULT_RULES
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{target}: cannot read: {exc}") from exc
    return parse_rules(text, str(target))
