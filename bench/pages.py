"""The pages that matter under load, beside a minimal endpoint of the same app.

    .venv/bin/python bench/pages.py                   # loads 100,000 applications into PostgreSQL `bench`
    .venv/bin/python bench/pages.py --reuse           # keeps the data a previous run loaded
    DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/pages.py --duration 5

Starts gunicorn (2 sync workers, production configuration, BENCH_ENDPOINT on) on 127.0.0.1 against
the database, signs in through the real sign-in form, and drives each page for a bounded time from
this process: wrk when it is installed (`apt-get install wrk`), otherwise a small Python client with
the same number of connections. Prints requests/s, p50 and p99 per page, each page's share of the
minimal endpoint's requests/s (the page is driven in --rounds turns with the minimal endpoint, as the
machine's speed drifts: the median of the rounds), the 250-row list against the 50-row list, and the
peak resident memory of the web workers after the run. Every request stays on this machine and every
run stops by itself.

Then each page is driven again, as many rounds, while a bounded background load autosaves drafts in another
open call (--autosave-rate a second, default 20, each draft of its own artist, through the real autosave
endpoint with its version and CSRF token): the share printed is of the page's own quiet rate, measured just
before. The last line names the lowest page against the minimal endpoint and the lowest under autosave.

Every request renders its page anew (there is no page cache). The ranking and the dashboard figures are
memoised (mobility/core/memo.py, in Redis as in production, under a key prefix of this run's own): nothing
is written while a page is driven, so after its first request they come from the memo, as between two
changes of their call or programme.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlencode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import sqlalchemy as sa  # noqa: E402

from bench.data import MANAGER, analyze, autosave_drafts, bench_app, fresh_schema, generate, page_urls  # noqa: E402
from bench.serve import (  # noqa: E402
    HOST,
    MINIMAL,
    csrf_token,
    free_port,
    get,
    peak_rss_mb,
    request,
    sign_in,
    start_server,
    worker_pids,
)
from mobility.accounts.models import User  # noqa: E402
from mobility.extensions import db  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
REDIS_URL = "redis://127.0.0.1:6379/7"


@dataclass
class Result:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


# ---- the data ----------------------------------------------------------------------------------

def load(url: str, applications: int, jurors: int, reuse: bool, autosave_count: int
         ) -> tuple[dict[str, tuple[str | None, str]], list[tuple[str, int]]]:
    app = bench_app(url)
    with app.app_context(), app.test_request_context():
        loaded = reuse and sa.inspect(db.engine).has_table("user") and db.session.scalar(
            sa.select(User.id).where(User.email == MANAGER)) is not None
        if not loaded:
            fresh_schema()
            t0 = time.perf_counter()
            programme = generate(applications, jurors)
            analyze()
            print(f"data: {programme.counts} in {len(programme.call_ids)} calls, "
                  f"loaded in {time.perf_counter() - t0:.0f} s")
        else:
            print("data: kept from the previous run (--reuse)")
        urls = page_urls()
        drafts = autosave_drafts(autosave_count, besides=urls["application form"][1])
        db.session.remove()
        db.engine.dispose()
    return urls, drafts


# ---- the bounded runs --------------------------------------------------------------------------

def run_wrk(port: int, path: str, cookie: str, duration: float, connections: int) -> Result:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration:g}s", "--latency", "--timeout", "30s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command + [f"http://{HOST}:{port}{path}"], capture_output=True, text=True,
                         timeout=duration + 60, check=True).stdout

    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"Socket errors: .*timeout (\d+)", out)
    return Result(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), latency("50"), latency("99"),
                  (int(errors.group(1)) if errors else 0) + (int(timeouts.group(1)) if timeouts else 0))


def run_python(port: int, path: str, cookie: str, duration: float, connections: int) -> Result:
    """The same measurement without wrk: `connections` threads, each sending requests until the deadline."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def client():
        mine, failed = [], 0
        headers = {"Cookie": cookie} if cookie else {}
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                failed += response.status >= 400
            except OSError:
                failed += 1
            finally:
                conn.close()
            mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return Result(len(latencies) / elapsed, cuts[49], cuts[98], errors[0])


# ---- the background autosave load ----------------------------------------------------------------

class _FormFields(HTMLParser):
    """What a browser's FormData holds for a page's form: inputs, checked boxes, selected options, text areas."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._first: str | None = None
        self._chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "file", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._first, self._chosen = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value") or ""
            self._first = value if self._first is None else self._first
            if "selected" in a:
                self.fields.append((self._select, value))
                self._chosen = True
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if not self._chosen and self._first is not None:
                self.fields.append((self._select, self._first))
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            name, text = self.fields.pop()
            self.fields.append((name, text + data))


def form_fields(page: str) -> dict[str, list[str]]:
    parser = _FormFields()
    parser.feed(page)
    fields: dict[str, list[str]] = {}
    for name, value in parser.fields:
        fields.setdefault(name, []).append(value)
    return fields


class AutosaveLoad:
    """`rate` autosaves a second, in turn over drafts of distinct artists (signed in through the form), each
    sent as the application form's script sends it: the draft's version and a CSRF token, both renewed by
    every answer. Bounded: it stops when told, and never sends faster than its rate."""

    def __init__(self, port: int, drafts: list[tuple[str, int]], rate: float):
        self.port, self.rate = port, rate
        self.drafts = []
        for email, draft in drafts:
            cookie = sign_in(self.port, email)
            page = request(self.port, "GET", f"/applications/{draft}/edit", cookie=cookie)
            cookie = page.cookie or cookie  # the session now holds the form's CSRF secret
            fields = form_fields(page.text)
            self.drafts.append({"id": draft, "cookie": cookie, "fields": fields,
                                "csrf": fields.get("csrf_token", [csrf_token(page.text)])[0],
                                "version": fields.get("version", ["0"])[0]})
        self.sent = self.failed = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        interval, turn = 1 / self.rate, 0
        next_at = time.perf_counter()
        while not self._stop.is_set():
            draft = self.drafts[turn % len(self.drafts)]
            turn += 1
            fields = {**draft["fields"], "csrf_token": [draft["csrf"]], "version": [draft["version"]],
                      "title": [f"A draft saved again ({turn})"]}
            body = urlencode(fields, doseq=True)
            try:
                reply = request(self.port, "POST", f"/applications/{draft['id']}/autosave", cookie=draft["cookie"],
                                body=body, headers={"X-Requested-With": "fetch"})
                if reply.status == 200:
                    answer = json.loads(reply.text)
                    draft["version"], draft["csrf"] = str(answer["version"]), answer["csrf_token"]
                else:
                    self.failed += 1
            except OSError:
                self.failed += 1
            self.sent += 1
            next_at += interval
            self._stop.wait(max(0.0, next_at - time.perf_counter()))

    def __enter__(self) -> AutosaveLoad:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=35)


# ---- main -------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--jurors", type=int, default=500)
    parser.add_argument("--reuse", action="store_true", help="keep the data already in the database")
    parser.add_argument("--duration", type=float, default=9.0, help="seconds per page (bounded run)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="the page's time is cut into rounds, each after a round of the minimal endpoint")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--python-client", action="store_true", help="do not use wrk even if installed")
    parser.add_argument("--autosave-rate", type=float, default=20.0,
                        help="autosaves a second in another open call during the second run (0: no second run)")
    parser.add_argument("--autosave-drafts", type=int, default=20, help="drafts (of distinct artists) it cycles over")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith("postgresql"):
        sys.exit("bench/pages.py runs against PostgreSQL (DATABASE_URL=postgresql+psycopg://…)")
    urls, drafts = load(url, args.applications, args.jurors, args.reuse, args.autosave_drafts)
    drive = run_python if args.python_client or not shutil.which("wrk") else run_wrk
    port = free_port()
    # As README → Production sets it up: rate limits and the memo in Redis, shared by the workers; a prefix
    # of this run's own, so nothing memoised from another run's data (the same ids) is found.
    shared = {name: os.environ.get(name, REDIS_URL) for name in ("RATELIMIT_STORAGE_URI", "CACHE_REDIS_URL")}
    shared["RATELIMIT_KEY_PREFIX"] = f"bench-pages-{os.getpid()}-{int(time.time())}"
    server = start_server(url, port, args.workers, env=shared)
    try:
        cookies = {}
        for who in {who for who, _path in urls.values() if who}:
            cookies[who] = sign_in(port, who)
        # The yardstick twice: anonymous, and with a manager's session cookie (the same middleware then also
        # finds the session, the user and their roles, as every signed-in page must).
        targets = [("minimal endpoint", None, MINIMAL), ("minimal, signed in", MANAGER, MINIMAL),
                   *[(name, who, path) for name, (who, path) in urls.items()]]
        print(f"gunicorn {args.workers} sync workers on {HOST}:{port}; {drive.__name__.removeprefix('run_')}, "
              f"{args.connections} connections, {args.duration:g} s per page; every page rendered anew, "
              "the ranking and dashboard figures memoised after the first")
        # This machine's speed drifts during a run (a shared virtual machine): each page is driven in rounds,
        # each just after a round of the minimal endpoint; the share printed is the median of the rounds'.
        print(f"{'page':<22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'minimal then':>13} {'vs minimal':>11} "
              f"{'vs signed-in':>13}  errors")
        autosaves = AutosaveLoad(port, drafts, args.autosave_rate) if args.autosave_rate > 0 and drafts else None
        results: dict[str, Result] = {}
        shares: dict[str, float] = {}       # each page's requests/s as a share of the minimal endpoint's
        kept: dict[str, float] = {}         # each page's requests/s under autosave, as a share of its quiet rate
        for name, who, path in targets:
            cookie = cookies.get(who, "")
            status, _c, _body = get(port, path, cookie)
            if status != 200:
                raise RuntimeError(f"{name} ({path}) answered {status}")
            for _ in range(3):  # warm both workers (templates, translations, connection pool)
                get(port, path, cookie)
            rounds, minimals = [], []
            for _ in range(args.rounds):  # the minimal endpoint, then the page, in turns
                if "minimal endpoint" in results:
                    minimals.append(drive(port, MINIMAL, "", args.duration / args.rounds, args.connections))
                rounds.append(drive(port, path, cookie, args.duration / args.rounds, args.connections))
            result = results[name] = sorted(rounds, key=lambda r: r.requests_per_s)[len(rounds) // 2]  # median
            share = statistics.median(r.requests_per_s / m.requests_per_s for r, m in zip(rounds, minimals)) \
                if minimals else 1.0
            minimal_then = statistics.median(m.requests_per_s for m in minimals) if minimals else result.requests_per_s
            signed = results.get("minimal, signed in")
            share_signed = f"{result.requests_per_s / signed.requests_per_s:13.0%}" if signed and who else " " * 13
            print(f"{name:<22} {result.requests_per_s:8.1f} {result.p50_ms:8.1f} {result.p99_ms:8.1f} "
                  f"{minimal_then:13.1f} {share:10.0%} {share_signed}  {sum(r.errors for r in rounds)}")
            if path == MINIMAL:
                continue
            shares[name] = share
            if autosaves is not None:  # the same page again, as many rounds, while drafts elsewhere autosave
                before = autosaves.sent, autosaves.failed
                with autosaves:
                    loaded = [drive(port, path, cookie, args.duration / args.rounds, args.connections)
                              for _ in range(args.rounds)]
                under = sorted(loaded, key=lambda r: r.requests_per_s)[len(loaded) // 2]
                kept[name] = under.requests_per_s / result.requests_per_s
                print(f"{'  under autosave':<22} {under.requests_per_s:8.1f} {under.p50_ms:8.1f} {under.p99_ms:8.1f} "
                      f"{kept[name]:13.0%} of quiet; {autosaves.sent - before[0]} autosaves "
                      f"({autosaves.failed - before[1]} refused), {sum(r.errors for r in loaded)} errors")
        ratio = results["application list 250"].requests_per_s / results["application list"].requests_per_s
        print(f"250-row list vs 50-row list: {ratio:.0%} of the requests/s")
        rss = [peak_rss_mb(pid) for pid in worker_pids(server.pid)]
        print("peak resident memory per web worker: " + ", ".join(f"{m:.0f} MB" for m in sorted(rss)))
        lowest = min(shares, key=shares.__getitem__)
        line = f"lowest page: {lowest} {shares[lowest]:.0%} of the minimal endpoint"
        if kept:
            weakest = min(kept, key=kept.__getitem__)
            line += f"; lowest under autosave: {weakest} {kept[weakest]:.0%} of its quiet rate"
        print(line)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
