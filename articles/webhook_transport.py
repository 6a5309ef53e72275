"""Where webhooks may be sent, and the one POST that sends them: pinned to a vetted address,
within a total deadline, reading a capped response and keeping only a fixed error description.

The rules are checked twice: when an endpoint is registered or changed (`webhook_url_problem`)
and again at every connection (`post`), where the name is resolved, every address checked, and
the socket opened to the checked address itself, so a name that later resolves elsewhere (DNS
rebinding) cannot steer a delivery to an internal service.
"""

import functools
import ipaddress
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# Scheme, then a host name or a bracketed IPv6 address (no user name or password, which would
# hide the real host), an optional port, and an optional printable-ASCII path without fragment.
# No named groups: the same pattern is the API schema's (an ECMA regex).
_URL_REGEX = (
    r"://(?:" + _LABEL + r"(?:\." + _LABEL + r")*|\[[0-9A-Fa-f:.]+\])"
    r"(?::[0-9]{1,5})?"
    r'(?:/[!"$-~]*)?\Z'
)
HTTPS_URL_PATTERN = r"\Ahttps" + _URL_REGEX
HTTP_OR_HTTPS_URL_PATTERN = r"\Ahttps?" + _URL_REGEX
URL_MAX_LENGTH = 500


def webhook_url_pattern() -> str:
    """The URL shape the server accepts: https only, unless WEBHOOK_HTTPS_ONLY is off."""
    return HTTPS_URL_PATTERN if settings.WEBHOOK_HTTPS_ONLY else HTTP_OR_HTTPS_URL_PATTERN


def webhook_url_rules() -> str:
    """The rules of `webhook_url_problem`, in words (for the API schema and error messages)."""
    scheme = "An `https://` URL" if settings.WEBHOOK_HTTPS_ONLY else "An `http(s)://` URL"
    networks = (
        "Private networks are allowed on this server (development)."
        if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS
        else "A host that is, or resolves to, a loopback, private, shared, link-local, "
        "multicast, reserved or unspecified address (IPv4 or IPv6) is refused, and is checked "
        "again at every delivery."
    )
    return (
        f"{scheme} of at most {URL_MAX_LENGTH} characters: a host name (international names in "
        "their `xn--` form) or a bracketed IPv6 address, an optional port, an optional path; no "
        f"user name, password or fragment. {networks}"
    )


class SendError(StrEnum):
    """The fixed descriptions a failed attempt is logged with (besides `HTTP <status>`)."""

    URL_NOT_ALLOWED = "URL not allowed"
    NAME_NOT_RESOLVED = "name did not resolve"
    ADDRESS_NOT_ALLOWED = "address not allowed"
    TIMEOUT = "timeout"
    CONNECTION_REFUSED = "connection refused"
    CONNECTION_FAILED = "connection failed"
    TLS_ERROR = "TLS error"
    CONNECTION_LOST = "connection lost"
    INVALID_RESPONSE = "invalid HTTP response"
    RESPONSE_TOO_LARGE = "response too large"


class DestinationRefused(Exception):
    """A connection was not opened: the name did not resolve or an address is not allowed."""

    def __init__(self, reason: SendError):
        self.reason = reason
        super().__init__(reason.value)


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def address_is_public(address: IPAddress) -> bool:
    """Whether an address is on the public internet, including an IPv4 address carried inside
    an IPv6 one (mapped, 6to4, Teredo, NAT64)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour]
        if address.teredo:
            embedded.append(address.teredo[1])
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(inner is not None and not address_is_public(inner) for inner in embedded):
            return False
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _resolve(host: str, port: int, *, timeout: float) -> list[IPAddress]:
    """Every address the host resolves to, within `timeout` (getaddrinfo has no timeout)."""
    found: dict[str, Any] = {}

    def lookup() -> None:
        try:
            found["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            found["error"] = error

    thread = threading.Thread(target=lookup, daemon=True, name="webhook-resolve")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise httpcore.ConnectTimeout("name resolution did not finish in time")
    if "error" in found or not found["infos"]:
        raise DestinationRefused(SendError.NAME_NOT_RESOLVED)
    # The scope id of a link-local IPv6 address ("fe80::1%eth0") is not part of the address.
    return list(
        dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in found["infos"])
    )


def _vetted_addresses(host: str, port: int, *, timeout: float) -> list[IPAddress]:
    """The addresses to connect to; refused if the host is, or resolves to, any address that
    is not public (unless WEBHOOK_ALLOW_PRIVATE_NETWORKS)."""
    addresses = _resolve(host, port, timeout=timeout)
    if not settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS and not all(map(address_is_public, addresses)):
        raise DestinationRefused(SendError.ADDRESS_NOT_ALLOWED)
    return addresses


def _url_host_and_port(url: str) -> tuple[str, int] | str:
    """The host (an IPv6 address without brackets) and port of `url`, or what is wrong with it
    (scheme, form, port), before any address is looked at."""
    if len(url) > URL_MAX_LENGTH or not re.fullmatch(webhook_url_pattern(), url):
        return f"Give a URL the server accepts. {webhook_url_rules()}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return "Give a valid port (1 to 65535) and, in brackets, a valid IPv6 address."
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    if len(parts.hostname) > 253:
        return "The host name is too long: at most 253 characters."
    return parts.hostname, port


def webhook_url_problem(url: str) -> str | None:
    """Why `url` may not receive webhooks, as a sentence saying what to fix; None if it may.

    A name that does not resolve now is accepted: whether it may be reached is decided again
    at every delivery, so nothing is ever sent to an address the rules refuse.
    """
    host_and_port = _url_host_and_port(url)
    if isinstance(host_and_port, str):
        return host_and_port
    if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return None
    host, port = host_and_port
    try:
        _vetted_addresses(host, port, timeout=settings.WEBHOOK_DELIVERY_DEADLINE_SECONDS)
    except DestinationRefused as refused:
        if refused.reason is SendError.ADDRESS_NOT_ALLOWED:
            return (
                f"The host {host} is, or resolves to, an address that is not on the public "
                "internet (loopback, private, shared, link-local, multicast, reserved or "
                "unspecified): give the receiver's public address."
            )
    except httpcore.TimeoutException:
        pass  # decided at delivery time, like a name that does not resolve yet
    return None


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by one shared deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float):
        self._stream = stream
        self._deadline = deadline

    def _remaining(self, timeout_class: type[httpcore.TimeoutException]) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise timeout_class("the delivery deadline passed")
        return remaining

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._remaining(httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._remaining(httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        secured = self._stream.start_tls(
            ssl_context, server_hostname, self._remaining(httpcore.ConnectTimeout)
        )
        return _DeadlineStream(secured, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _VettedNetwork(httpcore.NetworkBackend):
    """Opens connections only to vetted addresses, all ending by one deadline.

    TLS still verifies the certificate against the URL's host name (and sends it as SNI), and
    the Host header is the URL's: only the address the socket opens is pinned.
    """

    def __init__(self, deadline: float):
        self._deadline = deadline
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        remaining = self._deadline - time.monotonic()
        addresses = _vetted_addresses(host, port, timeout=remaining)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise httpcore.ConnectTimeout("the delivery deadline passed")
            try:
                stream = self._sockets.connect_tcp(
                    str(address), port, remaining, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
                continue
            return _DeadlineStream(stream, self._deadline)
        assert failure is not None  # _vetted_addresses never returns an empty list
        raise failure


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's certificate store and TLS defaults, loaded once and shared by every thread."""
    return httpx.create_ssl_context()


@dataclass(frozen=True)
class SendResult:
    """What one POST came to: the status received (if any) and a fixed error description."""

    status_code: int | None
    error: str


def _describe(failure: Exception) -> SendError:
    """The fixed description of a failure: never its text, which may quote the network."""
    if isinstance(failure, DestinationRefused):
        return failure.reason
    if isinstance(failure, httpcore.TimeoutException):
        return SendError.TIMEOUT
    if isinstance(failure, httpcore.ProtocolError):
        return SendError.INVALID_RESPONSE
    causes: list[BaseException] = []
    cause: BaseException | None = failure
    while cause is not None and len(causes) < 10:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        return SendError.TLS_ERROR
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return SendError.CONNECTION_REFUSED
    if isinstance(failure, httpcore.ConnectError):
        return SendError.CONNECTION_FAILED
    return SendError.CONNECTION_LOST


def post(*, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
    """POST `body` to `url` once, within WEBHOOK_DELIVERY_DEADLINE_SECONDS in total (resolving,
    connecting, TLS, sending and reading), reading at most WEBHOOK_MAX_RESPONSE_BYTES of the
    answer and discarding it. No redirect is followed and no proxy is used."""
    return _exchange("POST", url=url, body=body, headers=headers)


def head(*, url: str, headers: dict[str, str]) -> SendResult:
    """HEAD `url` once, under the same rules as `post` (vetted addresses, one deadline, no
    redirect followed: a 3xx answer is its status)."""
    return _exchange("HEAD", url=url, body=b"", headers=headers)


def _exchange(method: str, *, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
    if isinstance(_url_host_and_port(url), str):  # the addresses are vetted as it connects
        return SendResult(status_code=None, error=SendError.URL_NOT_ALLOWED)
    deadline_seconds = settings.WEBHOOK_DELIVERY_DEADLINE_SECONDS
    network = _VettedNetwork(deadline=time.monotonic() + deadline_seconds)
    status_code: int | None = None
    try:
        with (
            httpcore.ConnectionPool(
                ssl_context=_tls_context(),
                network_backend=network,
                max_connections=1,
                max_keepalive_connections=0,
            ) as pool,
            pool.stream(
                method,
                url,
                headers=headers,
                content=body,
                extensions={
                    "timeout": dict.fromkeys(("connect", "read", "write", "pool"), deadline_seconds)
                },
            ) as response,
        ):
            status_code = response.status
            received = 0
            for chunk in response.iter_stream():
                received += len(chunk)
                if received > settings.WEBHOOK_MAX_RESPONSE_BYTES:
                    return SendResult(status_code=status_code, error=SendError.RESPONSE_TOO_LARGE)
    except (
        DestinationRefused,
        httpcore.TimeoutException,
        httpcore.NetworkError,
        httpcore.ProtocolError,
        httpcore.UnsupportedProtocol,
        OSError,
    ) as failure:
        return SendResult(status_code=status_code, error=_describe(failure))
    return SendResult(
        status_code=status_code, error="" if status_code < 300 else f"HTTP {status_code}"
    )
