"""The deadline rush: artists autosave, upload and submit while gunicorn workers are killed with kill -9.

    .venv/bin/python bench/rush.py                  # 120 artists, a 120 s rush, PostgreSQL `rush`, Redis db 6
    .venv/bin/python bench/rush.py --artists 300 --duration 180 --autosave-every 3 --kill-every 3
    DATABASE_URL=postgresql+psycopg://… RATELIMIT_STORAGE_URI=redis://… .venv/bin/python bench/rush.py

The production set-up on 127.0.0.1: gunicorn (4 sync workers, --timeout 60, as the README's Production
section says) with the production configuration, PostgreSQL (the tables of its database are dropped and
made again) and Redis for the rate limits and the cache (RATELIMIT_STORAGE_URI, CACHE_REDIS_URL; a key
prefix of its own per run).
Each artist comes from an address of their own (X-Forwarded-For through TRUSTED_PROXY_COUNT=1, as
behind the reverse proxy), signs in through the form, starts an application to the open call, and then
behaves like the browser's autosave (mobility/static/js/application_form.js): every tick the text has
changed (a unique marker per save) and is sent to /applications/<id>/autosave with the version the last
save returned. Time is compressed: a tick is `--autosave-every` seconds (3 s by default) instead of the
browser's 30 s, so a 90-second run is about 15 minutes of an evening's work for each artist. At a random
moment each artist uploads a 5 MB PDF answering the call's file question; near the end they make a last
save and submit. Meanwhile a thread kills a random worker with SIGKILL every `--kill-every` seconds and
the gunicorn master starts a new one.

A request cut by a kill counts as an error and the artist does what a person in a browser does: the
autosave tries again on the next tick with whatever the text is then; an upload or a submission is sent
again after a moment (the real risk: twice). Like the page, each autosave carries a save id and the
next one names a save whose answer was lost (`lost_save`), so the server does not take the artist's own
stored save for another window's; a 409 that still comes is recovered as the page tells the artist to:
"Save draft", which shows both versions, then save again.

Afterwards the database must hold, for every artist: the content of their last acknowledged save (or a
later one they sent); every acknowledged autosave version exactly once in the audit log; every
acknowledged upload exactly once with its size and checksum, and the stored bytes intact; every
acknowledged submission exactly once, with one receipt, one "submitted" audit entry and one receipt
mail, the receipt holding the last saved text and the file. Each submission is a double click: the
same form sent twice at once. Mail goes to an SMTP sink in this process (bench/smtp_sink.py); after the
rush a last `flask outbox send` sweep (as cron would) sends what a killed worker left queued, and every
outbox row must have reached the sink exactly once (each mail names its row).

The last line is the proof, counted from the database, the attachment store, the outbox and the sink:

    rush: acknowledged A of O, lost L, duplicated D, 5xx E, mails delivered M of N (each once)

O is the work the artists offered (a draft started, every autosave tick, one upload, one submission each),
A what the server confirmed of it, L and D what the database lacks or holds twice of what was confirmed
(every field of the last confirmed save, versions, files, receipts, audit entries, mails), E every answer
of 500 or more. The script exits with 1 unless L, D and E are 0, every mail was delivered once, and at
least 90 % of the offered work was acknowledged. Every request stays on this machine and every run stops
by itself.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import sqlalchemy as sa  # noqa: E402

from bench.data import Generator, bench_app, fresh_schema  # noqa: E402
from bench.serve import Reply, csrf_token, free_port, peak_rss_mb, request, sign_in, start_server, worker_pids  # noqa: E402,E501
from bench.smtp_sink import SmtpSink  # noqa: E402
from mobility.accounts.enums import Role  # noqa: E402
from mobility.accounts.models import User  # noqa: E402
from mobility.applications.models import Application, Attachment, Receipt  # noqa: E402
from mobility.calls import services as calls  # noqa: E402
from mobility.calls.enums import CallStatus, QuestionKind  # noqa: E402
from mobility.core.mail import deliver  # noqa: E402
from mobility.core.models import AuditEntry, MailStatus, OutboxMessage  # noqa: E402
from mobility.core.storage import LocalStorage  # noqa: E402
from mobility.extensions import db  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rush"
DEFAULT_REDIS = "redis://127.0.0.1:6379/6"
UPLOAD_BYTES = 5 * 1024 * 1024
KINDS = ("sign-in", "page", "autosave", "save", "upload", "submit")
MARKER = re.compile(r"rush-(\d+)-(\d+)")


# ---- the call and the artists ------------------------------------------------------------------

@dataclass
class Setup:
    call_id: int
    pair_id: int
    origin_city_id: int
    text_question: int
    file_question: int
    emails: list[str]


def prepare(url: str, artists: int) -> Setup:
    """Empty tables, one open residency call with a text and a file question, `artists` accounts."""
    app = bench_app(url)
    with app.app_context(), app.test_request_context():
        fresh_schema()
        gen = Generator(seed=9)
        [manager_id] = gen.people(1, Role.MANAGER, emails=["manager@rush.invalid"])
        manager = db.session.get(User, manager_id)
        [pair] = gen.pairs(1, manager)
        now = gen.now.replace(microsecond=0)
        call = gen.call(manager, [pair], 1, opens=now - timedelta(days=30), closes=now + timedelta(days=1),
                        status=CallStatus.PUBLISHED)
        text = calls.save_question(manager, call, kind=QuestionKind.LONG_TEXT, required=True,
                                   label={"en": "What will you make there?"}, help={}, max_length=3000,
                                   options=[], condition_question_id=None, condition_value=None)
        portfolio = calls.save_question(manager, call, kind=QuestionKind.FILE, required=True,
                                        label={"en": "Portfolio (PDF)"}, help={}, max_length=None,
                                        options=[], condition_question_id=None, condition_value=None)
        emails = [f"artist{n}@rush.invalid" for n in range(artists)]
        gen.people(artists, Role.APPLICANT, emails=emails)  # executemany, one shared password hash
        setup = Setup(call.id, pair.id, pair.east_asia_city_id, text.id, portfolio.id, emails)
        db.session.commit()
        db.engine.dispose()
    return setup


def pdf_bytes(rng: random.Random, size: int) -> bytes:
    """A valid PDF (one page, an embedded stream of random bytes) of exactly `size` bytes."""
    head = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" \
           b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    tail = b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    stream_head = b"4 0 obj<</Length %d>>stream\n"
    filler = size - len(head) - len(tail) - len(stream_head % 0) - 8
    body = stream_head % filler
    data = head + body + rng.randbytes(filler) + tail
    return data + b" " * (size - len(data))


# ---- what the client saw -------------------------------------------------------------------------

@dataclass
class Sample:
    kind: str
    at: float          # seconds since the start, when the answer (or the failure) came
    ms: float
    outcome: str       # "2xx/3xx", "connection" (reset by a kill, refused), "timeout", "4xx", "5xx"
    rush: bool         # False: the artists arriving before the rush


class Log:
    def __init__(self):
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        self.rush = False

    def start_rush(self) -> None:
        self.t0, self.rush = time.monotonic(), True

    def add(self, kind: str, started: float, outcome: str) -> None:
        now = time.monotonic()
        with self.lock:
            self.samples.append(Sample(kind, now - self.t0, (now - started) * 1000, outcome, self.rush))


@dataclass
class Artist:
    n: int
    email: str
    address: str
    cookie: str = ""
    application_id: int = 0
    version: int = 0
    csrf: str = ""
    seq: int = 0
    sent: set[int] = field(default_factory=set)
    acked_seq: int = 0                      # the last save the server confirmed (autosave 200 or Save 302)
    acked_ticks: int = 0                    # autosave ticks the server confirmed (directly or through Save)
    acked_versions: list[int] = field(default_factory=list)
    lost_save: str = ""                     # the save id of a save whose answer never came (as the page keeps it)
    unanswered: list[str] = field(default_factory=list)  # every save id whose answer never came
    false_conflicts: int = 0                # 409s: nobody else writes this draft, so our own lost save
    upload_sha: str | None = None           # set when an upload was acknowledged
    upload_attempts: int = 0
    submitted: bool = False                 # a 302 to the application page
    submit_attempts: int = 0
    refused: list[str] = field(default_factory=list)


class Client:
    """The artists' side: one thread each, a fresh connection per request, no keep-alive (sync workers)."""

    def __init__(self, port: int, setup: Setup, log: Log, every: float, duration: float, seed: int):
        self.port, self.setup, self.log, self.every, self.duration = port, setup, log, every, duration
        self.seed = seed

    # one request, timed; None when the connection failed (a killed worker)
    def once(self, artist: Artist, kind: str, method: str, path: str, **kw) -> Reply | None:
        started = time.monotonic()
        try:
            reply = request(self.port, method, path, cookie=artist.cookie,
                            headers={"X-Forwarded-For": artist.address, "Accept-Language": "en"}, timeout=60, **kw)
        except TimeoutError:
            self.log.add(kind, started, "timeout")
            return None
        except OSError:
            self.log.add(kind, started, "connection")
            return None
        self.log.add(kind, started, "5xx" if reply.status >= 500 else "4xx" if reply.status >= 400 else "2xx/3xx")
        artist.cookie = reply.cookie or artist.cookie  # as a browser keeps the cookie it is given
        return reply

    # the person presses the button again after a moment, until it works (or gives up after `tries`)
    def again(self, artist: Artist, rng: random.Random, kind: str, method: str, path: str, tries: int = 10,
              body=None, **kw) -> Reply | None:
        for _ in range(tries):
            reply = self.once(artist, kind, method, path, body=body() if callable(body) else body, **kw)
            if reply is not None and reply.status < 500:
                return reply
            time.sleep(rng.uniform(0.5, 1.5))
        return None

    def form(self, artist: Artist, version: int, **extra) -> str:
        s = self.setup
        marker = f"rush-{artist.n}-{artist.seq}"
        return urlencode({**extra,
            "csrf_token": artist.csrf, "version": version, "title": f"Tidal memory {artist.n}",
            "summary": f"A dance piece between the shore and the factory. {marker}", "languages": "en",
            "discipline": "dance", "career_stage": "", "pair_id": s.pair_id, "origin_city_id": s.origin_city_id,
            "start_date": "2027-03-01", "end_date": "2027-03-30", "host_organisation": "Atomino",
            "host_contact_name": "Host contact", "host_email": "host@rush.invalid",
            f"q_{s.text_question}": f"Workshops with dancers of both cities. {marker}"})

    def arrive(self, artist: Artist) -> None:
        """Sign in, open the call, start the application, open the form (before the rush)."""
        try:
            rng = random.Random(self.seed * 100_003 + artist.n)
            for _ in range(10):
                started = time.monotonic()
                try:
                    artist.cookie = sign_in(self.port, artist.email, headers={"X-Forwarded-For": artist.address})
                    self.log.add("sign-in", started, "2xx/3xx")
                    break
                except (OSError, RuntimeError, AttributeError):
                    self.log.add("sign-in", started, "connection")
                    time.sleep(rng.uniform(0.5, 1.5))
            else:
                raise RuntimeError("could not sign in")
            call_page = self.again(artist, rng, "page", "GET", f"/calls/{self.setup.call_id}")
            started = self.again(artist, rng, "page", "POST", f"/calls/{self.setup.call_id}/apply",
                                 body=urlencode({"csrf_token": csrf_token(call_page.text)}))
            if started.status != 302:
                raise RuntimeError(f"apply {started.status}: {started.text[:200]}")
            artist.application_id = int(re.search(r"/applications/(\d+)/edit", started.headers["location"]).group(1))
            self.open_form(artist, rng, f"/applications/{artist.application_id}")
        except Exception as exc:  # noqa: BLE001 - an artist who could not go on is reported, not hidden
            artist.refused.append(f"arrival: {type(exc).__name__}: {exc}"[:160])

    def rush(self, artist: Artist) -> None:
        if not artist.application_id:
            return
        try:
            self.evening(artist)
        except Exception as exc:  # noqa: BLE001
            artist.refused.append(f"stopped: {type(exc).__name__}: {exc}"[:160])

    def evening(self, artist: Artist) -> None:
        """Autosave every tick, upload once, a last save and the submission (the deadline comes)."""
        rng = random.Random(self.seed * 100_003 + artist.n + 1)
        t0, path = self.log.t0, f"/applications/{artist.application_id}"
        submit_at = rng.uniform(0.7, 1.0) * self.duration
        upload_at = rng.uniform(0.1, 0.8) * submit_at
        uploaded = False
        next_tick = t0 + rng.uniform(0, self.every)
        while time.monotonic() - t0 < submit_at:
            time.sleep(max(0.0, next_tick - time.monotonic()))
            next_tick += self.every * rng.uniform(0.8, 1.2)
            self.autosave(artist, rng, path)
            if not uploaded and time.monotonic() - t0 >= upload_at:
                self.upload(artist, rng, path)
                uploaded = True
        if not uploaded:
            self.upload(artist, rng, path)
        # The last words, saved (the page saves when the field is left), then the submission.
        for _ in range(10):
            if self.autosave(artist, rng, path):
                break
            time.sleep(rng.uniform(0.5, 1.5))
        self.submit(artist, rng, path)

    def open_form(self, artist: Artist, rng: random.Random, path: str) -> None:
        page = self.again(artist, rng, "page", "GET", f"{path}/edit")
        artist.csrf = csrf_token(page.text)
        artist.version = int(re.search(r'name="version" type="hidden" value="(\d+)"', page.text).group(1))

    def autosave(self, artist: Artist, rng: random.Random, path: str) -> bool:
        """One tick of the page's autosave; True when the server confirmed it."""
        artist.seq += 1
        artist.sent.add(artist.seq)
        save_id = f"{artist.n}-{artist.seq}-{secrets.token_hex(4)}"
        extra = {"save_id": save_id, **({"lost_save": artist.lost_save} if artist.lost_save else {})}
        reply = self.once(artist, "autosave", "POST", f"{path}/autosave", body=self.form(artist, artist.version, **extra))
        if reply is None or reply.status >= 500:
            artist.lost_save = artist.lost_save or save_id
            artist.unanswered.append(save_id)
            return False  # like the page: nothing shown, the next tick sends the text as it is then
        artist.lost_save = ""
        if reply.status == 200:
            answer = json.loads(reply.text)
            artist.version, artist.csrf = answer["version"], answer["csrf_token"]
            artist.acked_seq = artist.seq
            artist.acked_versions.append(artist.version)
            artist.acked_ticks += 1
            return True
        if reply.status == 409:
            artist.false_conflicts += 1  # nobody else writes this draft: the version moved by our lost save
            saved = self.save_button(artist, rng, path)
            artist.acked_ticks += saved
            return saved
        artist.refused.append(f"autosave {reply.status}: {reply.text[:120]}")
        return False

    def save_button(self, artist: Artist, rng: random.Random, path: str) -> bool:
        """'Save draft': the conflict page shows both versions; saving again keeps ours, knowingly."""
        version = artist.version
        for _ in range(10):
            reply = self.again(artist, rng, "save", "POST", f"{path}/edit", body=self.form(artist, version))
            if reply is None:
                return False
            if reply.status == 302:
                artist.acked_seq = artist.seq
                page = self.again(artist, rng, "page", "GET", f"{path}/edit")  # where the redirect leads
                artist.csrf = csrf_token(page.text)
                artist.version = int(re.search(r'name="version" type="hidden" value="(\d+)"', page.text).group(1))
                return True
            if reply.status != 409:
                artist.refused.append(f"save {reply.status}")
                return False
            version = int(re.search(r'name="version" type="hidden" value="(\d+)"', reply.text).group(1))
        return False

    def upload(self, artist: Artist, rng: random.Random, path: str) -> None:
        data = pdf_bytes(rng, UPLOAD_BYTES)
        boundary = secrets.token_hex(16)

        def body() -> bytes:
            artist.upload_attempts += 1
            parts = [(name, value) for name, value in (("csrf_token", artist.csrf), ("kind", "portfolio"),
                                                       ("question_id", str(self.setup.file_question)))]
            chunks = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                      for name, value in parts]
            chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                          f'filename="portfolio-{artist.n}.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode())
            return b"".join(chunks) + data + f"\r\n--{boundary}--\r\n".encode()

        reply = self.again(artist, rng, "upload", "POST", f"{path}/attachments", body=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
        if reply is not None and reply.status == 302 and reply.headers["location"].endswith("/edit#files"):
            artist.upload_sha = hashlib.sha256(data).hexdigest()
        else:
            artist.refused.append(f"upload {reply.status if reply else 'gave up'}")

    def submit(self, artist: Artist, rng: random.Random, path: str) -> None:
        page = self.again(artist, rng, "page", "GET", f"{path}/submit")
        if page is None or page.status != 200:
            artist.refused.append(f"submit page {page.status if page else 'gave up'}")
            return

        def body() -> str:
            artist.submit_attempts += 1
            return urlencode({"csrf_token": csrf_token(page.text), "confirm": "Confirm"})

        # A double click: the same form twice at once; either answer that says "submitted" is the artist's.
        clicks: list[Reply | None] = []
        second = threading.Thread(target=lambda: clicks.append(
            self.once(artist, "submit", "POST", f"{path}/submit", body=body())))
        second.start()
        first = self.again(artist, rng, "submit", "POST", f"{path}/submit", body=body)
        second.join()
        done = [r for r in (first, *clicks) if r is not None and r.status == 302 and r.headers["location"].endswith(path)]
        reply = done[0] if done else first
        if done:
            artist.submitted = True
        else:
            artist.refused.append(f"submit {reply.status if reply else 'gave up'} "
                                  f"{reply.headers.get('location', '') if reply else ''}")


# ---- the killer and the memory watch -----------------------------------------------------------------

def kill_workers(master: int, every: float, stop: threading.Event, kills: list[int], rng: random.Random) -> None:
    while not stop.wait(every):
        pids = worker_pids(master)
        if pids:
            victim = rng.choice(pids)
            try:
                os.kill(victim, signal.SIGKILL)
                kills.append(victim)
            except ProcessLookupError:
                pass


def watch_memory(master: int, stop: threading.Event, peaks: dict[int, float]) -> None:
    while not stop.wait(0.5):
        for pid in worker_pids(master):
            peaks[pid] = max(peaks.get(pid, 0.0), peak_rss_mb(pid))


# ---- the proof -------------------------------------------------------------------------------------

@dataclass
class Mails:
    delivered: int     # outbox rows the sink received at least once
    queued: int        # outbox rows (every mail the app meant to send)
    twice: int         # extra copies the sink received of a row


def verify(url: str, attachment_dir: str, artists: list[Artist], setup: Setup,
           sink: SmtpSink) -> tuple[Counter, Counter, Counter, Mails]:
    """(lost, duplicated, other findings, mails) by what, from the database, the attachment store, the
    outbox and what the SMTP sink received."""
    lost, duplicated, seen = Counter(), Counter(), Counter()
    storage = LocalStorage(attachment_dir)
    app = bench_app(url)
    with app.app_context():
        s = db.session
        user_ids = dict(s.execute(sa.select(User.email, User.id)).all())
        applications = {a.applicant_id: a for a in s.scalars(sa.select(Application))}
        attachments = defaultdict(list)
        for att in s.scalars(sa.select(Attachment)):
            attachments[att.application_id].append(att)
        receipts = Counter(s.scalars(sa.select(Receipt.application_id)))
        receipt_of = {r.application_id: r for r in s.scalars(sa.select(Receipt))}
        saves = list(s.scalars(sa.select(AuditEntry).where(AuditEntry.action == "application.saved")))
        saved_versions = Counter((e.target_id, e.detail.get("version")) for e in saves)
        save_ids = {e.detail.get("save") for e in saves}
        submitted_audits = Counter(s.scalars(sa.select(AuditEntry.target_id).where(
            AuditEntry.action == "application.submitted")))
        mails = s.execute(sa.select(OutboxMessage.recipient, OutboxMessage.subject)).all()
        for artist in artists:
            application = applications.get(user_ids[artist.email])
            if application is None:
                lost["application"] += artist.application_id != 0
                continue
            # Autosaves: the text in the database is the last confirmed one, or a later one we sent.
            match = MARKER.search(application.summary or "")
            stored = int(match.group(2)) if match and int(match.group(1)) == artist.n else 0
            if artist.acked_seq and (stored < artist.acked_seq or stored not in artist.sent):
                lost["autosave"] += 1
            # Every field of that save, not only the marker: the text answer from the same save, the rest as sent.
            answer = MARKER.search((application.answers or {}).get(str(setup.text_question), ""))
            if artist.acked_seq and (answer is None or int(answer.group(2)) != stored):
                lost["text answer"] += 1
            if artist.acked_seq and (application.title, application.host_organisation, application.pair_id) != (
                    f"Tidal memory {artist.n}", "Atomino", setup.pair_id):
                lost["fields"] += 1
            seen["autosaves stored whose answer was lost"] += sum(i in save_ids for i in artist.unanswered)
            for version in artist.acked_versions:
                count = saved_versions[(application.id, str(version))]
                lost["autosave version"] += count == 0
                duplicated["autosave version"] += max(0, count - 1)
            # The file: once, the right size and checksum, the bytes intact in the store.
            files = attachments[application.id]
            if artist.upload_sha:
                same = [a for a in files if a.sha256 == artist.upload_sha]
                lost["upload"] += not same
                duplicated["upload"] += max(0, len(same) - 1)
                for att in same:
                    intact = att.size == UPLOAD_BYTES and \
                        hashlib.sha256(storage.read(att.storage_key)).hexdigest() == artist.upload_sha
                    lost["upload bytes"] += not intact
            seen["files stored"] += len(files)
            # The submission: once, one receipt, one audit entry, one mail, the last text and the file inside.
            if artist.submitted:
                receipt = receipt_of.get(application.id)
                if application.status.value != "submitted" or receipt is None:
                    lost["submission"] += 1
                    continue
                duplicated["receipt"] += receipts[application.id] - 1
                duplicated["submitted audit"] += max(0, submitted_audits[application.id] - 1)
                lost["submitted audit"] += submitted_audits[application.id] == 0
                sent_mails = sum(1 for to, subject in mails if to == artist.email and receipt.reference in subject)
                lost["receipt mail"] += sent_mails == 0
                duplicated["receipt mail"] += max(0, sent_mails - 1)
                in_receipt = MARKER.search(receipt.content.get("summary", ""))
                if in_receipt is None or int(in_receipt.group(2)) < artist.acked_seq:
                    lost["text in receipt"] += 1
                if artist.upload_sha and not any(sha == artist.upload_sha for _n, sha, _k in
                                                 receipt.content.get("attachments", [])):
                    lost["file in receipt"] += 1
            elif receipt_of.get(application.id) is not None:
                seen["submitted, answer never seen"] += 1
        seen["receipts"] = sum(receipts.values())
        # Mail: every outbox row reached the sink once (each mail names its row), and says so.
        received = Counter(m["X-Mobility-Outbox-Id"] for m in sink.messages)
        outbox = s.execute(sa.select(OutboxMessage.id, OutboxMessage.status)).all()
        delivered = sum(received[str(i)] > 0 for i, _status in outbox)
        twice = sum(max(0, received[str(i)] - 1) for i, _status in outbox)
        lost["mail delivery"] += len(outbox) - delivered
        duplicated["mail delivery"] += twice
        lost["mail marked sent, never received"] += sum(st is MailStatus.SENT and not received[str(i)]
                                                        for i, st in outbox)
        seen["mail received but not marked sent"] = sum(st is not MailStatus.SENT and received[str(i)] > 0
                                                        for i, st in outbox)
        seen["mail received for no outbox row"] = sum(n for key, n in received.items()
                                                      if key not in {str(i) for i, _st in outbox})
        db.engine.dispose()
    return lost, duplicated, seen, Mails(delivered, len(outbox), twice)


def sweep_outbox(url: str, sink: SmtpSink) -> int:
    """What cron's `flask outbox send` does after the rush: send what a killed worker left queued."""
    app = bench_app(url)
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port, SMTP_STARTTLS=False,
                      SMTP_USERNAME=None)
    with app.app_context(), app.test_request_context():
        sent = deliver()
        db.engine.dispose()
    return sent


def offered_and_acknowledged(artists: list[Artist]) -> tuple[int, int]:
    """The work the artists offered (a draft, each autosave tick, one upload, one submission each) and what
    the server confirmed of it."""
    offered = sum(1 + a.seq + 1 + 1 for a in artists)
    acknowledged = sum(bool(a.application_id) + a.acked_ticks + bool(a.upload_sha) + a.submitted for a in artists)
    return offered, acknowledged


# ---- the figures ----------------------------------------------------------------------------------

def percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        v = values[0] if values else 0.0
        return v, v, v
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def table(samples: list[Sample]) -> None:
    print(f"{'kind':<10} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'conn err':>9} {'timeout':>8} "
          f"{'5xx':>5} {'4xx':>5}")
    for kind in KINDS:
        mine = [x for x in samples if x.kind == kind]
        if not mine:
            continue
        p50, p95, p99 = percentiles([x.ms for x in mine if x.outcome not in ("connection", "timeout")])
        outcomes = Counter(x.outcome for x in mine)
        print(f"{kind:<10} {len(mine):8d} {p50:8.0f} {p95:8.0f} {p99:8.0f} {outcomes['connection']:9d} "
              f"{outcomes['timeout']:8d} {outcomes['5xx']:5d} {outcomes['4xx']:5d}")


def report(log: Log, artists: list[Artist], kills: list[int], peaks: dict[int, float], arrival_s: float,
           elapsed: float, window: float) -> None:
    arrival = [x for x in log.samples if not x.rush]
    print(f"\narrival (before the rush, no kills): {sum(bool(a.application_id) for a in artists)} of {len(artists)} "
          f"artists signed in with the form open, {len(arrival)} requests in {arrival_s:.0f} s")
    table(arrival)
    samples = [x for x in log.samples if x.rush]
    answered = [x for x in samples if x.outcome not in ("connection", "timeout")]
    print(f"\nthe rush: {len(samples)} requests in {elapsed:.0f} s = {len(samples) / elapsed:.1f} req/s "
          f"({len(answered) / elapsed:.1f} answered/s, {sum(x.kind == 'upload' for x in answered) * 5 / elapsed:.1f} "
          f"MB/s of uploads); workers killed with kill -9: {len(kills)}")
    buckets = Counter(int(x.at // window) for x in answered)
    last = int(elapsed // window)
    inner = [buckets.get(b, 0) / window for b in range(0, last)]
    if inner:
        print(f"answered per {window:g} s window: lowest {min(inner):.1f}/s, median {statistics.median(inner):.1f}/s, "
              f"highest {max(inner):.1f}/s")
    table(samples)
    confirmed = sum(len(a.acked_versions) for a in artists)
    print(f"autosaves confirmed: {confirmed}; 409 (own save's answer lost), recovered with Save: "
          f"{sum(a.false_conflicts for a in artists)}; uploads confirmed: {sum(bool(a.upload_sha) for a in artists)} "
          f"({sum(a.upload_attempts for a in artists)} sent); submissions confirmed: "
          f"{sum(a.submitted for a in artists)} of {len(artists)} ({sum(a.submit_attempts for a in artists)} sent)")
    refused = Counter(reason for a in artists for reason in a.refused)
    if refused:
        print("not done: " + "; ".join(f"{reason} ×{n}" for reason, n in refused.most_common(8)))
    rss = sorted(peaks.values())
    if rss:
        print(f"peak resident memory of the web workers: highest {rss[-1]:.0f} MB, median {statistics.median(rss):.0f} MB "
              f"({len(rss)} workers seen, the killed ones included)")


# ---- main -----------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artists", type=int, default=120)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of the rush (the deadline at the end)")
    parser.add_argument("--autosave-every", type=float, default=5.0, help="seconds per autosave tick (browser: 30)")
    parser.add_argument("--kill-every", type=float, default=5.0, help="seconds between two kill -9 (0: none)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--arrivals", type=int, default=6, help="artists signing in at the same time, before")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith("postgresql"):
        sys.exit("bench/rush.py runs against PostgreSQL (DATABASE_URL=postgresql+psycopg://…)")
    t0 = time.perf_counter()
    setup = prepare(url, args.artists)
    print(f"data: one open call, {args.artists} artists, in {time.perf_counter() - t0:.1f} s")
    attachment_dir = tempfile.mkdtemp(prefix="rush-attachments-")
    gunicorn_log = tempfile.NamedTemporaryFile(prefix="rush-gunicorn-", suffix=".log", delete=False)
    redis_url = os.environ.get("RATELIMIT_STORAGE_URI", DEFAULT_REDIS)
    sink = SmtpSink().start()
    env = {"MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port), "SMTP_STARTTLS": "0",
           "RATELIMIT_STORAGE_URI": redis_url, "CACHE_REDIS_URL": os.environ.get("CACHE_REDIS_URL", redis_url),
           "RATELIMIT_KEY_PREFIX": f"rush-{secrets.token_hex(4)}", "TRUSTED_PROXY_COUNT": "1",
           "ATTACHMENT_DIR": attachment_dir}
    port = free_port()
    server = start_server(url, port, args.workers, env=env, args=("--timeout", "60"), log=gunicorn_log)
    compression = 30 / args.autosave_every
    print(f"gunicorn {args.workers} sync workers on 127.0.0.1:{port}, production configuration, rate limits in "
          f"{env['RATELIMIT_STORAGE_URI']}; the rush: {args.duration:g} s, autosave every {args.autosave_every:g} s "
          f"(the browser's 30 s, {compression:g}× faster: {args.duration * compression / 60:.0f} minutes of work), "
          f"one 5 MB upload and one submission per artist, kill -9 of a worker every {args.kill_every:g} s")
    rng = random.Random(args.seed)
    artists = [Artist(n, email, f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256 + 1}")
               for n, email in enumerate(setup.emails)]
    log = Log()
    client = Client(port, setup, log, args.autosave_every, args.duration, args.seed)
    stop, kills, peaks = threading.Event(), [], {}
    try:
        # Arrival: everyone signs in and opens the form (password hashing is deliberately slow; on the
        # night people arrive over hours, so this is not part of the rush's figures).
        with ThreadPoolExecutor(args.arrivals) as pool:
            list(pool.map(client.arrive, artists))
        arrival_s = time.monotonic() - log.t0
        log.start_rush()
        helpers = [threading.Thread(target=watch_memory, args=(server.pid, stop, peaks), daemon=True)]
        if args.kill_every > 0:
            helpers.append(threading.Thread(target=kill_workers, daemon=True,
                                            args=(server.pid, args.kill_every, stop, kills, rng)))
        threads = [threading.Thread(target=client.rush, args=(a,), daemon=True) for a in artists]
        for t in helpers + threads:
            t.start()
        for t in threads:  # bounded: whoever is still busy long after the deadline is counted as they are
            t.join(timeout=max(0.0, log.t0 + 2 * args.duration + 120 - time.monotonic()))
        stop.set()
        elapsed = time.monotonic() - log.t0
        still = sum(t.is_alive() for t in threads)
        if still:
            print(f"{still} artists still busy at the cut-off: counted as they are")
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # workers stuck in requests: the figures are counted all the same
            server.kill()
            server.wait()
    report(log, artists, kills, peaks, arrival_s, elapsed, window=5.0)
    swept = sweep_outbox(url, sink)
    print(f"outbox sweep after the rush (cron's `flask outbox send`): {swept} message(s) sent")
    lost, duplicated, seen, mails = verify(url, attachment_dir, artists, setup, sink)
    sink.stop()
    print("database: " + ", ".join(f"{what} {n}" for what, n in sorted(seen.items())))
    if +lost:
        print("LOST: " + ", ".join(f"{what} {n}" for what, n in sorted((+lost).items())))
    if +duplicated:
        print("DUPLICATED: " + ", ".join(f"{what} {n}" for what, n in sorted((+duplicated).items())))
    offered, acknowledged = offered_and_acknowledged(artists)
    errors = sum(x.outcome == "5xx" for x in log.samples)
    lost_n, duplicated_n = sum(lost.values()), sum(duplicated.values())
    healthy = not lost_n and not duplicated_n and not errors and acknowledged >= 0.9 * offered
    if healthy:
        shutil.rmtree(attachment_dir)  # a gigabyte of random PDFs
        os.unlink(gunicorn_log.name)
    else:
        print(f"(kept for a look: gunicorn's log {gunicorn_log.name}, the attachments in {attachment_dir})")
        if acknowledged < 0.9 * offered:
            print("less than 90 % of the offered work was acknowledged: the rush was not served")
    once = "each once" if not mails.twice else f"{mails.twice} extra copies"
    print(f"rush: acknowledged {acknowledged} of {offered}, lost {lost_n}, duplicated {duplicated_n}, 5xx {errors}, "
          f"mails delivered {mails.delivered} of {mails.queued} ({once})")
    sys.exit(0 if healthy else 1)


if __name__ == "__main__":
    main()
