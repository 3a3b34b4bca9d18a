"""A real SMTP server for tests, receiving what Keycloak (or the shop) sends.

`SmtpServer` runs aiosmtpd's SMTP server in a thread of its own on 127.0.0.1 (a free port), keeps
every message it receives and lets a test wait for one addressed to someone::

    with SmtpServer() as smtp:
        ...  # point the sender at smtp.host / smtp.port
        message = smtp.wait_for_message(to="ada@example.com", subject="Verify email")
        link = first_link(message, "/login-actions/")

Plain SMTP, no TLS, no authentication: only for tests on this machine.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
import threading
import time
from email.message import EmailMessage
from types import TracebackType

from aiosmtpd.controller import Controller

from tests.support.postgres import free_port

HOST = "127.0.0.1"
LINK = re.compile(r"https?://[^\s\"'<>]+")


class _Collector:
    """aiosmtpd handler: parses and keeps every accepted message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd calls it by this name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.host = HOST
        self.port = free_port()
        self._collector = _Collector()
        self._controller = Controller(self._collector, hostname=self.host, port=self.port)

    def __repr__(self) -> str:
        return f"<SmtpServer {self.host}:{self.port}>"

    def start(self) -> None:
        self._controller.start()  # returns once the server answers

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self._collector.arrived:
            return list(self._collector.messages)

    def messages_to(self, address: str) -> list[EmailMessage]:
        address = address.lower()
        return [m for m in self.messages if address in m["X-Envelope-To"].lower()]

    def wait_for_message(
        self, *, to: str, subject: str = "", timeout: float = 30.0, after: int = 0
    ) -> EmailMessage:
        """The first message to `to` whose subject contains `subject`, skipping the first
        `after` messages to that address; waits for it up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._collector.arrived:
            while True:
                found = [
                    m for m in self._collector.messages if to.lower() in m["X-Envelope-To"].lower()
                ][after:]
                found = [m for m in found if subject.lower() in str(m["Subject"]).lower()]
                if found:
                    return found[0]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    subjects = [
                        (m["X-Envelope-To"], m["Subject"]) for m in self._collector.messages
                    ]
                    raise AssertionError(
                        f"no e-mail to {to!r} with {subject!r} in its subject after {timeout} s; "
                        f"received: {subjects}"
                    )
                self._collector.arrived.wait(remaining)


def text_of(message: EmailMessage) -> str:
    """The message's plain-text body (else its HTML one)."""
    body = message.get_body(preferencelist=("plain", "html"))
    return body.get_content() if body is not None else ""


def links_in(message: EmailMessage) -> list[str]:
    """Every http(s) link of the message's bodies, HTML entities decoded, in order."""
    links: list[str] = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            for link in LINK.findall(part.get_content()):
                link = html.unescape(link)
                if link not in links:
                    links.append(link)
    return links


def first_link(message: EmailMessage, containing: str) -> str:
    found = [link for link in links_in(message) if containing in link]
    if not found:
        raise AssertionError(f"no link with {containing!r} in the e-mail: {links_in(message)}")
    return found[0]
