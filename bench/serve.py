"""What the load benchmarks share: gunicorn with the production configuration, plain HTTP, sign-in.

bench/pages.py and bench/rush.py start the real server on 127.0.0.1 and talk to it like a browser
without keep-alive (gunicorn's sync workers close every connection anyway). The session cookie is
carried by hand: the production configuration marks it Secure, which a cookie jar would not send
over plain HTTP on the loopback.
"""
from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.data import PASSWORD

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"
MINIMAL = "/bench/minimal"


# ---- the server ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, workers: int, *, env: dict | None = None, args: tuple = (),
                 log=None) -> subprocess.Popen:
    """gunicorn (sync workers) on `url` with the production configuration and BENCH_ENDPOINT on."""
    env = {**os.environ, "DATABASE_URL": url, "MOBILITY_CONFIG": "production", "BENCH_ENDPOINT": "1",
           "SECRET_KEY": secrets.token_hex(32), "MAIL_BACKEND": "outbox",
           "SERVER_NAME": f"{HOST}:{port}",  # production refuses to start without it (links in mail)
           # The bench's office signs in with its password alone: the second step costs a sign-in, not a page.
           "TWO_FACTOR_REQUIRED_FOR_OFFICE": "0",
           **(env or {})}
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    server = subprocess.Popen([gunicorn, "--workers", str(workers), "--bind", f"{HOST}:{port}",
                               "--log-level", "warning", *args, "wsgi:app"], cwd=ROOT, env=env,
                              stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if get(port, MINIMAL)[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        pids.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return pids


def peak_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # the worker has gone (killed, or recycled by the master)
        pass
    return 0.0


# ---- HTTP ------------------------------------------------------------------------------------

@dataclass
class Reply:
    status: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names

    @property
    def cookie(self) -> str:
        return session_cookie(self.headers.get("set-cookie", ""))


def request(port: int, method: str, path: str, *, cookie: str = "", body: bytes | str | None = None,
            content_type: str = "application/x-www-form-urlencoded", headers: dict | None = None,
            timeout: float = 30) -> Reply:
    """One request on a fresh connection; OSError (reset, refused, timeout) goes to the caller."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    sent = dict(headers or {})
    if cookie:
        sent["Cookie"] = cookie
    if body is not None:
        sent["Content-Type"] = content_type
    try:
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return Reply(response.status, text, {k.lower(): v for k, v in response.getheaders()})
    except http.client.HTTPException as exc:  # e.g. RemoteDisconnected, BadStatusLine: a dead worker
        raise ConnectionError(str(exc)) from exc
    finally:
        conn.close()


def get(port: int, path: str, cookie: str = "", method: str = "GET", body: str | None = None):
    """(status, Set-Cookie, body): the short form bench/pages.py uses."""
    reply = request(port, method, path, cookie=cookie, body=body)
    return reply.status, reply.headers.get("set-cookie", ""), reply.text


def session_cookie(set_cookie: str) -> str:
    match = re.search(r"mobility_session=([^;]+)", set_cookie)
    return f"mobility_session={match.group(1)}" if match else ""


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def sign_in(port: int, email: str, headers: dict | None = None) -> str:
    """Through the real form: the CSRF token of the page, then the POST; returns the session cookie."""
    page = request(port, "GET", "/sign-in", headers=headers)
    reply = request(port, "POST", "/sign-in", cookie=page.cookie, headers=headers,
                    body=urlencode({"email": email, "password": PASSWORD, "csrf_token": csrf_token(page.text)}))
    if reply.status != 302:
        raise RuntimeError(f"sign-in as {email} failed ({reply.status})")
    return reply.cookie
