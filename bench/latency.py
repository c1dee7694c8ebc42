"""What the gateway adds: latency, time to first token, throughput, start-up time, memory (not a test).

    python bench/latency.py [--workers 1,2] [--n 100] [--quick] [--full] [--separate-cores]

Starts the fake provider (tests/fakeprovider.py, recording off) and ``gateway serve``
(the full engine, a fresh SQLite use log, a key made with ``gateway keys create``) as
processes of their own on loopback, then sends the same requests with the real
``openai`` SDK (``max_retries=0``) once directly to the fake provider and once through
the gateway.  Added latency is the gateway's percentile minus the direct one, per
language (nl, fr, en, de), for 300- and 2,000-word prompts with 6 personal values
(bench/prompts.py), for pass-through prompts (no personal data; at concurrency 1 also one
with numbers that are not personal data) and for streamed answers of both (time to the
first content token), at concurrency 1 and 8 (64 with --full).

The load generator, the fake provider and the gateway share the machine's cores, so
the concurrency-8 and -64 rows measure CPU contention as much as the gateway.  The CPU
time the gateway's processes used per request is printed too: it hardly depends on
what else the machine runs, so it compares runs where latency cannot.
``--separate-cores`` (with ``--workers 1``) gives the gateway the first CPU to itself and
runs the load generator and the fake provider on the others, as they would be other
machines in production (see separate_cores).
``--quick`` runs 20 requests per cell and the 2,000-word and streamed cells at
concurrency 1 only.  Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx
import openai
import procinfo
from prompts import prompt

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("nl", "fr", "en", "de")
MODEL = "bench-1"
PROVIDER_KEY_ENV = "BENCH_PROVIDER_KEY"
SECRET = "bench-only-pseudonym-secret-0123456789"  # shared by the workers, like replicas in production
ECHO = "ECHO:\n"  # the fake provider answers this + the texts it received
STREAM_CHUNK = 16  # characters per streamed event (a few tokens)
START_TIMEOUT_S = 300.0
IDLE_TIMEOUT_S = 120.0
REQUEST_TIMEOUT_S = 60.0
MACHINE_CPUS = procinfo.cpu_count()  # before --separate-cores narrows this process


@dataclass(frozen=True)
class Cell:
    """One measured configuration: a prompt, a concurrency, stream or not."""

    language: str
    words: int
    pii: bool
    concurrency: int
    stream: bool = False
    numbers: bool = False  # with numbers that are not personal data (bench/prompts.py NUMBERS)

    @property
    def prompt_label(self) -> str:
        return f"{self.words} words, " + ("6 personal values" if self.pii else
                                          "numbers, pass-through" if self.numbers else "pass-through")


@dataclass
class Run:
    """The requests of one cell against one target."""

    latencies: list[float]  # seconds per successful request (streams: to the first content token)
    wall_s: float
    errors: int
    pseudonymised: str = ""  # the gateway's x-gateway-pseudonymised header on the probe request
    restored: bool = True  # the probe's answer was exactly the echo of the prompt
    cpu_ms: float | None = None  # CPU time the gateway's processes used per request (gateway runs only)

    @property
    def rps(self) -> float:
        return (len(self.latencies) + self.errors) / self.wall_s if self.wall_s else 0.0


@dataclass
class Startup:
    workers: int
    ready_s: float  # spawn to the first /healthz 200
    worker_rss_mib: list[float] = field(default_factory=list)
    worker_peak_mib: list[float] = field(default_factory=list)
    supervisor_rss_mib: float | None = None


# -- processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path,
            cpus: set[int] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, terminated (then killed) on exit; its output goes to ``log``; with
    ``cpus``, it and every thread it starts run on those CPUs only."""
    pin = None if cpus is None else partial(os.sched_setaffinity, 0, cpus)
    with log.open("wb") as out:
        child = subprocess.Popen(args, env=env, cwd=log.parent, stdout=out, stderr=subprocess.STDOUT,
                                 preexec_fn=pin)
        try:
            yield child
        finally:
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=10)


def wait_ready(url: str, child: subprocess.Popen[bytes], log: Path) -> float:
    """Seconds from now until ``url`` answers 200 (the caller spawned ``child`` just before)."""
    started = time.perf_counter()
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"{child.args[3:5]} exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} not ready after {START_TIMEOUT_S:.0f} s")


def worker_pids(server: int, workers: int) -> list[int]:
    """The processes that serve requests: the server itself, or uvicorn's spawned workers."""
    if workers == 1:
        return [server]
    return [pid for pid in procinfo.children(server) if "spawn_main" in procinfo.cmdline(pid)]


def wait_idle(pids_of: Callable[[], list[int]], expected: int) -> None:
    """Wait until ``expected`` workers exist and none used CPU for a second (all loaded)."""
    deadline = time.monotonic() + IDLE_TIMEOUT_S
    previous: dict[int, int] = {}
    while time.monotonic() < deadline:
        pids = pids_of()
        ticks = {pid: procinfo.cpu_ticks(pid) for pid in pids}
        if len(pids) == expected and ticks == previous:
            return
        previous = ticks
        time.sleep(1.0)
    raise RuntimeError("the gateway workers did not settle")


def rules_file(directory: Path, provider_url: str) -> Path:
    path = directory / "bench-rules.yaml"
    path.write_text(f"""providers:
  - name: fake
    api: openai
    base_url: {provider_url}/v1
    api_key_env: {PROVIDER_KEY_ENV}
    models: [{MODEL}]
""")
    return path


def gateway_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "gateway.cli", *args]


def create_key(rules: Path, env: dict[str, str]) -> str:
    done = subprocess.run(gateway_cli("keys", "create", "--config", str(rules), "--user", "bench"), env=env,
                          cwd=rules.parent, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip().splitlines()[-1]


# -- load -----------------------------------------------------------------------------------


def one_request(client: openai.OpenAI, messages: list[dict[str, str]], stream: bool) -> float | None:
    """Seconds to the answer (or to the first streamed content token); None on an error."""
    started = time.perf_counter()
    try:
        if not stream:
            client.chat.completions.create(model=MODEL, messages=messages)  # type: ignore[arg-type]
            return time.perf_counter() - started
        first = None
        chunks = client.chat.completions.create(model=MODEL, messages=messages, stream=True)  # type: ignore[arg-type]
        for chunk in chunks:
            if first is None and chunk.choices and chunk.choices[0].delta.content:
                first = time.perf_counter() - started
        return first
    except openai.APIError:
        return None


def probe(client: openai.OpenAI, text: str) -> tuple[str, bool]:
    """One request whose answer is checked: the pseudonymised counts and an exact restoration."""
    raw = client.chat.completions.with_raw_response.create(
        model=MODEL, messages=[{"role": "user", "content": text}])
    answer = raw.parse().choices[0].message.content
    return raw.headers.get("x-gateway-pseudonymised", ""), answer == ECHO + text


def run_cell(client: openai.OpenAI, cell: Cell, n: int) -> Run:
    text = prompt(cell.language, cell.words, cell.pii, cell.numbers)
    messages = [{"role": "user", "content": text}]
    pseudonymised, restored = probe(client, text)
    def send(_: int) -> float | None:
        return one_request(client, messages, cell.stream)

    with ThreadPoolExecutor(cell.concurrency) as pool:
        list(pool.map(send, range(cell.concurrency)))  # warm-up: connections, caches
        started = time.perf_counter()
        results = list(pool.map(send, range(n)))
        wall = time.perf_counter() - started
    latencies = [r for r in results if r is not None]
    return Run(latencies, wall, len(results) - len(latencies), pseudonymised, restored)


def plan(concurrencies: list[int], quick: bool) -> list[Cell]:
    cells = []
    for concurrency in concurrencies:
        heavy = not quick or concurrency == 1
        for language in LANGUAGES:
            cells += [Cell(language, 300, False, concurrency), Cell(language, 300, True, concurrency)]
            if concurrency == 1:
                cells.append(Cell(language, 300, False, concurrency, numbers=True))
            if heavy:
                cells += [Cell(language, 2000, True, concurrency),
                          Cell(language, 300, False, concurrency, stream=True),
                          Cell(language, 300, True, concurrency, stream=True)]
    return cells


def client_for(base_url: str, key: str, concurrency: int) -> openai.OpenAI:
    limits = httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4)
    return openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=REQUEST_TIMEOUT_S,
                         http_client=httpx.Client(limits=limits, timeout=REQUEST_TIMEOUT_S))


# -- one gateway configuration -------------------------------------------------------------


@dataclass
class Bench:
    directory: Path
    env: dict[str, str]
    provider_url: str
    rules: Path
    key: str
    n: int
    results: list[tuple[int, Cell, Run, Run]] = field(default_factory=list)
    startups: list[Startup] = field(default_factory=list)
    gateway_cpus: set[int] | None = None  # --separate-cores: the gateway's own CPU

    def with_workers(self, workers: int, cells: list[Cell]) -> None:
        port = free_port()
        log = self.directory / f"gateway-{workers}.log"
        args = gateway_cli("serve", "--config", str(self.rules), "--host", "127.0.0.1", "--port", str(port),
                           "--workers", str(workers), "--log-level", "warning")
        with process(args, self.env, log, self.gateway_cpus) as server:
            first = wait_ready(f"http://127.0.0.1:{port}/healthz", server, log)
            pids = partial(worker_pids, server.pid, workers)
            wait_idle(pids, workers)
            startup = Startup(workers, first)
            self.measure(workers, cells, f"http://127.0.0.1:{port}/v1", pids)
            self.startups.append(memory(startup, server.pid, workers))

    def measure(self, workers: int, cells: list[Cell], gateway_url: str,
                pids: Callable[[], list[int]]) -> None:
        for concurrency in sorted({c.concurrency for c in cells}):
            direct = client_for(self.provider_url + "/v1", "direct", concurrency)
            gateway = client_for(gateway_url, self.key, concurrency)
            for cell in (c for c in cells if c.concurrency == concurrency):
                print(f"  workers={workers} {cell}", file=sys.stderr, flush=True)
                direct_run = run_cell(direct, cell, self.n)
                before = cpu_ms(pids())
                gateway_run = run_cell(gateway, cell, self.n)
                # The probe and warm-up requests count too: CPU time is per process, not per request.
                gateway_run.cpu_ms = (cpu_ms(pids()) - before) / (self.n + cell.concurrency + 1)
                self.results.append((workers, cell, direct_run, gateway_run))
            direct.close()
            gateway.close()


def cpu_ms(pids: list[int]) -> float:
    """User + system CPU time of the processes so far, in milliseconds.

    Unlike latency, this barely depends on what else the shared cores are doing, so it is
    the number to compare between runs on a busy machine.
    """
    return sum(procinfo.cpu_ticks(pid) for pid in pids) * 1000 / os.sysconf("SC_CLK_TCK")


def memory(startup: Startup, server: int, workers: int) -> Startup:
    """RSS now and peak RSS of every worker (after the load), and of uvicorn's supervisor."""
    pids = worker_pids(server, workers)
    startup.worker_rss_mib = [procinfo.mib(procinfo.status_kib(p, "VmRSS")) for p in pids]
    startup.worker_peak_mib = [procinfo.mib(procinfo.status_kib(p, "VmHWM")) for p in pids]
    if workers > 1:
        startup.supervisor_rss_mib = procinfo.mib(procinfo.status_kib(server, "VmRSS"))
    return startup


# -- report ----------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (linear interpolation), in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return 1000 * (ordered[low] + (ordered[high] - ordered[low]) * (k - low))


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def added(direct: Run, gateway: Run, q: float) -> str:
    return f"{pct(gateway.latencies, q) - pct(direct.latencies, q):.1f}"


def latency_rows(results: list[tuple[int, Cell, Run, Run]], stream: bool) -> list[list[str]]:
    rows = []
    for workers, cell, direct, gateway in results:
        if cell.stream != stream:
            continue
        row = [str(workers), str(cell.concurrency), cell.language, cell.prompt_label,
               f"{pct(direct.latencies, 50):.1f}", f"{pct(gateway.latencies, 50):.1f}",
               added(direct, gateway, 50), added(direct, gateway, 95), added(direct, gateway, 99)]
        row.append(f"{gateway.cpu_ms:.1f}" if gateway.cpu_ms is not None else "-")
        if not stream:
            row += [f"{gateway.rps:.0f}", f"{direct.rps:.0f}", str(replaced(gateway.pseudonymised)),
                    "yes" if gateway.restored else "NO"]
        rows.append(row + [str(gateway.errors + direct.errors)])
    return rows


def replaced(header: str) -> int:
    """The number of values the gateway replaced, from ``PERSON=1,EMAIL_ADDRESS=1``."""
    return sum(int(item.partition("=")[2]) for item in header.split(",") if item)


def probe_rows(results: list[tuple[int, Cell, Run, Run]]) -> list[list[str]]:
    """What the gateway replaced in each prompt (the first configuration's probes)."""
    seen: dict[tuple[str, int], str] = {}
    for _, cell, _, gateway in results:
        if cell.pii and not cell.stream:
            seen.setdefault((cell.language, cell.words), gateway.pseudonymised)
    return [[language, str(words), header.replace(",", ", ")] for (language, words), header in seen.items()]


def placement(bench: Bench) -> str:
    if bench.gateway_cpus is None:
        return "the load generator, the fake provider and the gateway share every core"
    others = sorted(os.sched_getaffinity(0))
    return (f"separate cores: the gateway on CPU {min(bench.gateway_cpus)}, the load generator and "
            f"the fake provider on CPU {','.join(map(str, others))}")


def report(bench: Bench, workers: list[int], load_before: float) -> str:
    startup = table(
        ["workers", "start-up to /healthz 200 (s)", "RSS per worker (MiB)", "peak RSS per worker (MiB)",
         "supervisor RSS (MiB)"],
        [[str(s.workers), f"{s.ready_s:.1f}", ", ".join(f"{m:.0f}" for m in s.worker_rss_mib),
          ", ".join(f"{m:.0f}" for m in s.worker_peak_mib),
          f"{s.supervisor_rss_mib:.0f}" if s.supervisor_rss_mib else "-"] for s in bench.startups])
    common = ["workers", "concurrency", "lang", "prompt", "direct p50", "gateway p50",
              "added p50", "added p95", "added p99", "gateway CPU per request"]
    plain = table([*common, "gateway req/s", "direct req/s", "replaced", "restored", "errors"],
                  latency_rows(bench.results, stream=False))
    probes = table(["lang", "words", "replaced by the gateway (x-gateway-pseudonymised)"],
                   probe_rows(bench.results))
    streamed = table([*common, "errors"], latency_rows(bench.results, stream=True))
    return "\n\n".join([
        f"Machine: {MACHINE_CPUS} cores, Python {sys.version.split()[0]}; {bench.n} requests "
        "per cell after warm-up; gateway = `gateway serve` (full engine, SQLite use log, "
        f"log level warning), workers {','.join(map(str, workers))}; "
        f"fake provider on loopback (recording off); {placement(bench)}. Load average (1 min) before/after: "
        f"{load_before:.1f}/{os.getloadavg()[0]:.1f} (anything else running skews every number).",
        "### Start-up and memory\n\n" + startup,
        "### Added latency, non-stream (ms)\n\n" + plain,
        "`replaced`/`restored`: one checked request per cell (values pseudonymised; answer restored "
        "exactly to the echo of the prompt).\n\n" + probes,
        f"### Streamed answers: time to first content token (ms; {STREAM_CHUNK}-character events)\n\n"
        + streamed,
    ])


def separate_cores(workers: list[int]) -> set[int]:
    """Keep the gateway's CPU to itself: the first allowed CPU for the gateway, the others for
    this process (the load generator: its threads inherit) and the fake provider.

    On one machine, the load generator and the fake provider otherwise run on the gateway's
    core too, between and during its requests (the kernel runs a process woken by a socket
    write where it was woken), and push its code and data out of the CPU's caches; in
    production they are other machines.  One worker only: a second would need a core of its own.
    """
    if workers != [1]:
        raise SystemExit("--separate-cores measures 1 worker: use --workers 1")
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("--separate-cores needs at least 2 CPUs")
    os.sched_setaffinity(0, set(cpus[1:]))
    return {cpus[0]}



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2", help="worker counts to measure (default 1,2)")
    parser.add_argument("--n", type=int, help="requests per cell (default 100, 20 with --quick)")
    parser.add_argument("--quick", action="store_true", help="fewer requests and cells")
    parser.add_argument("--full", action="store_true", help="also concurrency 64")
    parser.add_argument("--separate-cores", action="store_true",
                        help="1 worker on the first CPU; load generator and fake provider on the others")
    args = parser.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",")]
    gateway_cpus = separate_cores(workers) if args.separate_cores else None
    cells = plan([1, 8, *([64] if args.full else [])], args.quick)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="gateway-bench-") as tmp:
        directory = Path(tmp)
        env = {**os.environ, PROVIDER_KEY_ENV: "sk-bench", "GATEWAY_PSEUDONYM_SECRET": SECRET,
               "GATEWAY_DATABASE_URL": f"sqlite:///{directory / 'bench.db'}",
               "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        port = free_port()
        fake = [sys.executable, str(ROOT / "tests" / "fakeprovider.py"), "--port", str(port),
                "--chunk", str(STREAM_CHUNK), "--no-record"]
        with process(fake, env, directory / "fake.log", None if gateway_cpus is None
                     else os.sched_getaffinity(0)) as provider:
            provider_url = f"http://127.0.0.1:{port}"
            wait_ready(provider_url + "/v1/models", provider, directory / "fake.log")
            rules = rules_file(directory, provider_url)
            bench = Bench(directory, env, provider_url, rules, create_key(rules, env),
                          args.n or (20 if args.quick else 100), gateway_cpus=gateway_cpus)
            for count in workers:
                bench.with_workers(count, cells)
        print(report(bench, workers, load_before))
    return 0


if __name__ == "__main__":
    sys.exit(main())
