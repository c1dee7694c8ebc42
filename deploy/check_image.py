"""Build the Docker image and check that the container really protects a prompt (not a test).

    python deploy/check_image.py [--base IMAGE | --local-base] [--keep]
        [--database-url postgresql://... --redis-url redis://... --workers 2]

Builds ``Dockerfile`` (``docker build --network host``), then runs the image the way
deploy/docker-compose.yml does (its own rules directory mounted on /app/rules, the
pseudonym secret and the provider key from the environment) against the fake provider
of the tests (tests/fakeprovider.py, in this process, on loopback; the container shares
the host network), and checks, printing each result:

- the container starts, answers ``/healthz`` and Docker's HEALTHCHECK reports healthy;
- it runs as the unprivileged ``gateway`` user (uid 10001);
- ``gateway keys create`` inside the container gives a key the real ``openai`` SDK uses;
- a prompt with a name, an e-mail address and an IBAN reaches the provider with
  surrogates only, and the answer comes back with the real values, also streamed;
- a prompt about a named person's diagnosis is blocked (403) and never forwarded;
- ``gateway log verify`` inside the container verifies the hash chain.

With ``--database-url``, ``--redis-url`` and ``--workers 2`` it runs the production
configuration of deploy/docker-compose.yml (PostgreSQL, Redis, two worker processes)
against servers the host provides (e.g. ``createdb -h 127.0.0.1 -U postgres
gateway_image_check`` and ``--database-url postgresql://postgres@127.0.0.1/gateway_image_check``).

``--local-base`` first builds a Debian bookworm base image with Python from Debian's
packages (debootstrap; root needed), for machines that cannot reach Docker Hub; the
host's CA bundle is copied into it so pip can reach PyPI through the host's proxy.
Exits non-zero on the first failed check.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import openai

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakeprovider import FakeProvider, ServerThread, build_app  # noqa: E402

IMAGE = "ai-privacy-gateway:check"
LOCAL_BASE = "ai-privacy-gateway-base:bookworm"
PROVIDER_KEY = "sk-check-image-provider"
SECRET = "check-image-pseudonym-secret-0123456789"
PROMPT = ("Schrijf een korte bevestiging aan Johanna Verhoeven (johanna.verhoeven@voorbeeld.be); "
          "het bedrag gaat naar BE71 0961 2345 6769.")
REAL_VALUES = ("Johanna", "Verhoeven", "johanna.verhoeven@voorbeeld.be", "BE71 0961 2345 6769")
ART9_PROMPT = "Mijn collega Pieter Claes heeft diabetes; hoe pas ik zijn werkrooster aan?"
START_TIMEOUT_S = 240
IMAGE_PORT = 8080  # the image's CMD; the container shares the host network, so it must be free


def run(*args: str, check: bool = True, capture: bool = True) -> str:
    done = subprocess.run(args, check=False, capture_output=capture, text=True)
    if check and done.returncode != 0:
        raise SystemExit(f"FAILED: {' '.join(args[:4])}...: {(done.stderr or '')[-2000:]}")
    return (done.stdout or "").strip()


def ok(message: str) -> None:
    print(f"ok   {message}", flush=True)


def require(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {message}")
    ok(message)


def build_local_base() -> str:
    """A Debian bookworm image with Python 3.11 and venv, from Debian's own packages."""
    with tempfile.TemporaryDirectory(prefix="gateway-base-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        run("debootstrap", "--variant=minbase", "--include=python3,python3-venv,ca-certificates",
            "bookworm", str(rootfs), "http://deb.debian.org/debian")
        shutil.copy("/etc/ssl/certs/ca-certificates.crt", rootfs / "etc/ssl/certs/ca-certificates.crt")
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["docker", "import", "--change", "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt",
                        "-", LOCAL_BASE], stdin=tar.stdout, check=True, capture_output=True)
        tar.wait()
    ok(f"local base image {LOCAL_BASE} built with debootstrap")
    return LOCAL_BASE


def build_image(base: str | None) -> None:
    started = time.monotonic()
    args = ["docker", "build", "--network", "host", "-t", IMAGE]
    if base:
        args += ["--build-arg", f"BASE={base}"]
    run(*args, str(ROOT), capture=False)
    size = int(run("docker", "image", "inspect", IMAGE, "--format", "{{.Size}}")) / 2**20
    ok(f"image {IMAGE} built in {time.monotonic() - started:.0f} s ({size:.0f} MiB)")


def rules_dir(directory: Path, provider_url: str) -> Path:
    rules = directory / "rules"
    rules.mkdir()
    (rules / "gateway.yaml").write_text(f"""providers:
  - name: fake
    api: openai
    base_url: {provider_url}/v1
    api_key_env: FAKE_PROVIDER_KEY
    models: [check-1]
contact:
  name: AI Policy Desk
  email: ai-policy@example.be
""")
    rules.chmod(0o755)
    return rules


def start_container(rules: Path, env: dict[str, str], workers: int) -> str:
    """The image's own command (port 8080, /app/rules/gateway.yaml), as a deployment runs
    it; with ``workers`` > 1 the command of deploy/docker-compose.yml."""
    settings = {"FAKE_PROVIDER_KEY": PROVIDER_KEY, "GATEWAY_PSEUDONYM_SECRET": SECRET, **env}
    args = ["docker", "run", "-d", "--network", "host", "-v", f"{rules}:/app/rules:ro"]
    args += [item for name, value in settings.items() for item in ("-e", f"{name}={value}")]
    command = ["gateway", "serve", "--config", "/app/rules/gateway.yaml", "--host", "0.0.0.0",
               "--port", str(IMAGE_PORT), "--workers", str(workers)] if workers > 1 else []
    return run(*args, IMAGE, *command)


def wait_healthy(container: str, url: str) -> None:
    started, deadline = time.monotonic(), time.monotonic() + START_TIMEOUT_S
    ready = None
    while time.monotonic() < deadline:
        if run("docker", "inspect", container, "--format", "{{.State.Running}}") != "true":
            logs = run("docker", "logs", container, check=False)
            raise SystemExit("FAILED: the container exited:\n" + logs)
        if ready is None:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    ready = time.monotonic() - started
                    ok(f"/healthz answers 200 after {ready:.1f} s")
            except httpx.TransportError:
                pass
        health = run("docker", "inspect", container, "--format", "{{.State.Health.Status}}")
        if ready is not None and health == "healthy":
            ok(f"Docker HEALTHCHECK reports healthy after {time.monotonic() - started:.0f} s")
            return
        time.sleep(1)
    raise SystemExit("FAILED: the container did not become healthy:\n" + run("docker", "logs", container))


def check_protection(url: str, key: str, provider: FakeProvider) -> None:
    client = openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0, timeout=30)
    messages = [{"role": "user", "content": PROMPT}]
    raw = client.chat.completions.with_raw_response.create(model="check-1", messages=messages)  # type: ignore[arg-type]
    answer = raw.parse().choices[0].message.content or ""
    sent = json.dumps(provider.posts[-1].body, ensure_ascii=False)
    require(not any(value in sent for value in REAL_VALUES),
            f"the provider saw surrogates only ({raw.headers['x-gateway-pseudonymised']})")
    require(all(value in answer for value in REAL_VALUES), "the answer came back with the real values")
    chunks = client.chat.completions.create(model="check-1", messages=messages, stream=True)  # type: ignore[arg-type]
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    require(streamed == answer, "the streamed answer (1-character events) was restored the same way")
    posts = len(provider.posts)
    try:
        client.chat.completions.create(model="check-1", messages=[{"role": "user", "content": ART9_PROMPT}])
        blocked = None
    except openai.APIStatusError as error:
        blocked = error
    require(blocked is not None and blocked.status_code == 403 and len(provider.posts) == posts,
            f"health data about a named colleague was blocked and not forwarded "
            f"({blocked.status_code if blocked else 'answered'})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--base", help="base image (default: the Dockerfile's python:3.11-slim)")
    source.add_argument("--local-base", action="store_true", help="build a Debian base with debootstrap")
    parser.add_argument("--keep", action="store_true", help="leave the container running")
    parser.add_argument("--database-url", help="GATEWAY_DATABASE_URL (default: SQLite inside the container)")
    parser.add_argument("--redis-url", help="GATEWAY_REDIS_URL (default: rate limits per process)")
    parser.add_argument("--workers", type=int, default=1, help="gateway serve --workers (default 1)")
    args = parser.parse_args(argv)
    env = {name: value for name, value in (("GATEWAY_DATABASE_URL", args.database_url),
                                           ("GATEWAY_REDIS_URL", args.redis_url)) if value}
    build_image(build_local_base() if args.local_base else args.base)
    state = FakeProvider()
    with ServerThread(build_app(state)) as upstream, tempfile.TemporaryDirectory() as tmp:
        state.port = upstream.port
        container = start_container(rules_dir(Path(tmp), upstream.url), env, args.workers)
        try:
            url = f"http://127.0.0.1:{IMAGE_PORT}"
            wait_healthy(container, url)
            uid = run("docker", "exec", container, "id", "-u")
            require(uid == "10001", f"the gateway runs as uid {uid}, not root")
            created = run("docker", "exec", container, "gateway", "keys", "create", "--user", "check")
            key = created.splitlines()[-1]
            ok("gateway keys create inside the container gave a key")
            check_protection(url, key, state)
            verdict = run("docker", "exec", container, "gateway", "log", "verify")
            require(verdict.startswith("OK"), f"gateway log verify: {verdict}")
            health = httpx.get(url + "/healthz", timeout=5).json()
            ok(f"/healthz after the checks: {health['status']}, warnings: {health.get('warnings') or 'none'}")
        finally:
            if not args.keep:
                run("docker", "rm", "-f", container, check=False)
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
