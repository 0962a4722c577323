"""A local SMTP sink: accepts every message on 127.0.0.1 and keeps it, to count what was delivered.

    sink = SmtpSink().start()        # sink.port for SMTP_PORT
    ...                              # the app sends with MAIL_BACKEND=smtp, SMTP_HOST=127.0.0.1
    sink.messages                    # [email.message.Message, …] in the order received
    sink.stop()

Enough of SMTP for smtplib (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), one thread per connection.
Used by bench/rush.py and tests/unit/test_two_machines.py; nothing leaves the machine.
"""
from __future__ import annotations

import email
import email.policy
import socketserver
import threading
import time
from email.message import Message


class _Handler(socketserver.StreamRequestHandler):
    def _say(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self) -> None:
        try:
            self._converse()
        except OSError:  # the sender was killed mid-message (kill -9): nothing was kept, as a relay would
            pass

    def _converse(self) -> None:
        sink: SmtpSink = self.server.sink  # type: ignore[attr-defined]
        self._say("220 sink ESMTP")
        recipients: list[str] = []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                self.wfile.flush()
            elif verb == "HELO":
                self._say("250 sink")
            elif verb == "MAIL":
                recipients = []
                self._say("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>").split(">")[0])
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 end with <CRLF>.<CRLF>")
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                time.sleep(sink.delay)  # a slow relay: senders working at once overlap
                sink.keep(email.message_from_bytes(b"".join(lines), policy=email.policy.default), recipients)
                self._say("250 OK queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:  # RSET, NOOP, anything else
                self._say("250 OK")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, delay: float = 0.0):
        self.delay = delay  # seconds before each message is accepted
        self.server = _Server((host, port), _Handler)
        self.server.sink = self  # type: ignore[attr-defined]
        self.port = self.server.server_address[1]
        self.messages: list[Message] = []
        self.envelopes: list[list[str]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def keep(self, message: Message, recipients: list[str]) -> None:
        with self._lock:
            self.messages.append(message)
            self.envelopes.append(list(recipients))

    def start(self) -> SmtpSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
