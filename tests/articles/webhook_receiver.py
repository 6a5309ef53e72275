"""A real HTTP receiver on 127.0.0.1 for webhook tests: scripted answers, can go down, hang,
answer one byte at a time, or answer with a large body."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    received_at: float  # time.time(), to compare with when the event was written


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (then `default_status`)."""

    script: list[int] = field(default_factory=list)
    default_status: int = 200
    delay_seconds: float = 0.0
    response_body: bytes = b"ok"
    trickle_seconds: float = 0.0  # > 0: the answer is sent one byte at a time, this far apart
    received: list[Received] = field(default_factory=list)
    first_request: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.received.append(
                        Received(dict(self.headers.items()), body, time.time())
                    )
                    status = receiver.script.pop(0) if receiver.script else receiver.default_status
                receiver.first_request.set()
                if receiver.delay_seconds:
                    time.sleep(receiver.delay_seconds)
                try:
                    if receiver.trickle_seconds:
                        answer = b"HTTP/1.1 %d OK\r\nContent-Length: 2\r\n\r\nok" % status
                        for byte in answer:
                            self.wfile.write(bytes([byte]))
                            time.sleep(receiver.trickle_seconds)
                        return
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(receiver.response_body)))
                    self.end_headers()
                    self.wfile.write(receiver.response_body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender went away (e.g. a killed worker): nothing to answer

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
