"""A gateway for the IT-administration tests: rules from a real file, a real SQLite store.

The admin features read what the proxy tests fake (the rules file on disk, the use log
in the database), so these tests run their own gateway next to the shared fake provider.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from conftest import PROVIDER_KEY_ENV, settled
from fakeprovider import ServerThread
from store_helpers import sqlite_url

from gateway.active import EngineBuilder
from gateway.app import create_app
from gateway.config import load_rules
from gateway.engine import Engine
from gateway.store import Store
from gateway.store.console import ConsoleStore

# Factors chosen so that the expected energy is easy to compute by hand.
ENERGY_YAML = """\
default: {prompt: 1.0, completion: 10.0}
models:
  "echo-small*": {prompt: 0.1, completion: 1.0}
"""


def rules_yaml(provider_url: str, models: str = "[echo-1]", extra: str = "", provider_extra: str = "") -> str:
    """A rules file for the fake provider; ``extra`` adds top-level keys."""
    provider_lines = textwrap.indent(textwrap.dedent(provider_extra), "    ")
    return (f"providers:\n"
            f"  - name: echo\n"
            f"    api: openai\n"
            f"    base_url: {provider_url}/v1\n"
            f"    api_key_env: {PROVIDER_KEY_ENV}\n"
            f"    models: {models}\n"
            f"{provider_lines}"
            f"  - name: echo-anthropic\n"
            f"    api: anthropic\n"
            f"    base_url: {provider_url}\n"
            f"    api_key_env: {PROVIDER_KEY_ENV}\n"
            f"    models: [echo-claude]\n"
            f"{provider_lines}"
            f"contact:\n"
            f"  name: the AI desk\n"
            f"  email: ai-desk@example.com\n"
            f"energy: energy.yaml\n"
            f"{textwrap.dedent(extra)}")


@dataclass
class AdminGateway:
    url: str
    app: Any
    store: Store
    rules_file: Path
    key: str  # alice's gateway key
    it_key: str  # an IT admin key
    dpo_key: str

    def chat(self, model: str = "echo-1", key: str | None = None, **body: Any) -> httpx.Response:
        """One chat request; returns once its use record is written too."""
        payload = {"model": model, "messages": [{"role": "user", "content": "hello"}], **body}
        answer = httpx.post(f"{self.url}/v1/chat/completions", json=payload, timeout=10,
                            headers={"Authorization": f"Bearer {key or self.key}"})
        settled(self.app)
        return answer

    def admin_records(self) -> list[dict[str, Any]]:
        return [r for r in self.store.export() if r["decision"] == "admin"]


@contextmanager
def admin_gateway(tmp_path: Path, rules_text: str, build_engine: EngineBuilder | None = None,
                  engine: Engine | None = None) -> Iterator[AdminGateway]:
    """Write the rules (and energy factors) to files, start a gateway on them, yield it."""
    rules_file = tmp_path / "gateway.yaml"
    rules_file.write_text(rules_text)
    (tmp_path / "energy.yaml").write_text(ENERGY_YAML)
    store = Store(sqlite_url(tmp_path))
    store.upgrade()
    _, key = store.create_key("alice")
    console = ConsoleStore(store)
    _, it_key = console.create_admin("ivan-it", "it")
    _, dpo_key = console.create_admin("dora-dpo", "dpo")
    app = create_app(load_rules(rules_file), store, engine, build_engine=build_engine)
    try:
        with ServerThread(app) as server:
            yield AdminGateway(server.url, app, store, rules_file, key, it_key, dpo_key)
    finally:
        store.close()
