"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it accepts."""

import asyncio
import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailServer:
    """Accepts every message, or answers each with `data_reply` (e.g. a 451 deferral); can
    answer slowly, and be stopped and started on the same port."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.delay_seconds = 0.0
        self.data_reply: str | None = None
        self.first_message = threading.Event()
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply is not None:
            return self.data_reply
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        self.first_message.set()
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        return "250 Message accepted for delivery"

    def start(self) -> "MailServer":
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [message for message in self.messages if message["To"] == address]
