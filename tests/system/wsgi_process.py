"""A WSGI server process for the multi-process tests: the project on a free 127.0.0.1 port.

Run as `python -m tests.system.wsgi_process` with DJANGO_SETTINGS_MODULE and
DATABASE_URL in the environment. It prints `listening on <port>` once it accepts
connections, answers each connection in a thread of its own, and serves until it is
terminated. It is the server pytest-django's live_server runs, in a process of its own, so
that several processes share only the database, as gunicorn's workers do.
"""

import logging

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application


class QuietRequestHandler(WSGIRequestHandler):
    """Logs nothing per request: the server errors are on `django.request` already."""

    def log_message(self, format: str, *args) -> None:
        pass


def main() -> None:
    application = get_wsgi_application()
    logging.getLogger("django.server").setLevel(logging.ERROR)
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietRequestHandler)
    server.set_app(application)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
