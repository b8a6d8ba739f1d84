"""JSON over HTTPS: ``POST`` the payload bytes, exactly as shown.

Headers: ``Content-Type: application/json``, a ``User-Agent`` naming us and
the host app, ``Idempotency-Key`` (the report id, so a retried delivery
counts once) and ``X-Crashreport-Digest`` (SHA-256 of the uncompressed body,
so the server can check it got what the user saw). Bodies over
``GZIP_ABOVE`` bytes go gzip-compressed.

``post`` is the one HTTP exchange both transports use, and the one place
httpx's errors become a ``Delivery``: plain ``http://`` only to loopback
(``Config`` checks at install; this checks again, for destinations read back
from disk), TLS verification on, redirects never followed, a connect timeout
and a total one, and a size cap.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Mapping

import httpx

from crashreport import __version__
from crashreport.config import ConfigError, is_loopback_host, split_url
from crashreport.hooks import INTERNAL
from crashreport.payload import ConsentedReport
from crashreport.transport import retry
from crashreport.transport.base import Delivery, Destination, refuse_unconsented

__all__ = [
    "CONNECT_TIMEOUT",
    "GZIP_ABOVE",
    "MAX_BODY_BYTES",
    "JsonTransport",
    "classify_response",
    "compress",
    "post",
    "refuse_url",
    "too_large",
    "user_agent",
]

GZIP_ABOVE = 8 * 1024  # bytes: smaller bodies gain little from compression
MAX_BODY_BYTES = 1024 * 1024  # bytes, uncompressed: what Sentry accepts for one event
CONNECT_TIMEOUT = 3.0  # seconds; within the total timeout of each try
_RESPONSE_BYTES = 16 * 1024  # of an answer we read no more than this
_RETRY_STATUSES = frozenset({408, 425, 429})  # and every 5xx


def user_agent(destination: Destination) -> str:
    """``crashreport/<version> (<product>/<version>)``."""
    return f"crashreport/{__version__} ({destination.product}/{destination.version})"


def refuse_url(url: str) -> str | None:
    """Why ``url`` must not be sent to (``None``: it may): not https, and not loopback."""
    try:
        scheme, host, _port, _path = split_url(url)
    except ConfigError as exc:
        return f"refused to send: {exc}"
    if scheme == "https" or (scheme == "http" and is_loopback_host(host)):
        return None
    if scheme == "http":
        return f"refused to send to {host}: plain http:// is only allowed to loopback hosts"
    return f"refused to send to {url!r}: the scheme must be https://"


def too_large(size: int, what: str = "the report") -> Delivery | None:
    """The refusal for a body over ``MAX_BODY_BYTES``, or ``None`` if it fits."""
    if size <= MAX_BODY_BYTES:
        return None
    return Delivery(
        False,
        f"{what} is {size:,} bytes, over the limit of {MAX_BODY_BYTES:,} bytes "
        "(1 MiB) for one request; it was not sent",
        attempts=0,
    )


def compress(body: bytes, headers: Mapping[str, str]) -> tuple[bytes, dict[str, str]]:
    """``body`` gzip-compressed if it is large, and the headers that say so."""
    out = dict(headers)
    if len(body) <= GZIP_ABOVE:
        return body, out
    out["Content-Encoding"] = "gzip"
    return gzip.compress(body, mtime=0), out  # mtime=0: the same bytes every time


def classify_response(response: httpx.Response, text: str = "") -> Delivery:
    """Turn a server's answer into a ``Delivery`` (shared by the transports).

    ``text`` is the start of the answer's body, quoted when the server refuses.
    """
    status = response.status_code
    if 200 <= status < 300:
        return Delivery(True, f"HTTP {status}", status=status)
    retry_after = retry_after_header(response.headers.get("Retry-After"))
    if status in _RETRY_STATUSES or status >= 500:
        return Delivery(False, f"HTTP {status}", retry=True, retry_after=retry_after, status=status)
    if 300 <= status < 400:
        where = response.headers.get("Location", "?")
        return Delivery(False, f"HTTP {status}: redirect to {where} not followed", status=status)
    said = f": {text}" if text else ""
    if status == 413:
        return Delivery(
            False, f"HTTP 413: the server says the report is too large{said}", status=status
        )
    return Delivery(False, f"HTTP {status}: the server rejected the report{said}", status=status)


def retry_after_header(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` value (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        import email.utils
        import time

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        return max(0.0, when.timestamp() - time.time())


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: float,
    classify: Callable[[httpx.Response, str], Delivery] = classify_response,
) -> Delivery:
    """One ``POST`` of ``body``, finished within ``timeout`` seconds; never raises.

    httpx's timeouts bound each phase (connect at most ``CONNECT_TIMEOUT``);
    the exchange runs in a worker thread so that the total is bounded too,
    even against a server that answers one byte at a time. A worker still
    running at the deadline is left to its own timeouts (a daemon thread, it
    never holds the exit); if its request does arrive, the idempotency key
    makes the later delivery from the outbox count once.
    """
    refusal = refuse_url(url)
    if refusal is not None:
        return Delivery(False, refusal, attempts=0)
    result: list[Delivery] = []

    def exchange() -> None:
        result.append(_exchange(url, body, headers, timeout, classify))

    worker = threading.Thread(target=exchange, name="crashreport-send", daemon=True)
    setattr(worker, INTERNAL, True)  # whatever happens in it is never reported as a crash
    worker.start()
    worker.join(timeout + 0.2)
    if result:
        return result[0]
    return Delivery(False, f"no complete answer within {timeout:g} s", retry=True)


def _exchange(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    seconds: float,
    classify: Callable[[httpx.Response, str], Delivery],
) -> Delivery:
    limits = httpx.Timeout(seconds, connect=min(seconds, CONNECT_TIMEOUT))
    try:
        with (
            httpx.Client(timeout=limits, follow_redirects=False, verify=True) as client,
            client.stream("POST", url, content=body, headers=dict(headers)) as response,
        ):
            text = _start_of(response)
            return classify(response, text)
    except httpx.ConnectTimeout:
        return Delivery(
            False, f"could not connect within {min(seconds, CONNECT_TIMEOUT):g} s", retry=True
        )
    except httpx.TimeoutException:
        return Delivery(False, f"timed out after {seconds:g} s", retry=True)
    except httpx.ConnectError as exc:
        return Delivery(False, f"could not connect ({_reason(exc)})", retry=True)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.LocalProtocolError) as exc:
        return Delivery(False, f"refused to send: {_reason(exc)}", attempts=0)
    except httpx.HTTPError as exc:  # reset, closed mid-answer, garbled answer...
        return Delivery(False, f"the connection failed ({_reason(exc)})", retry=True)
    except Exception as exc:  # the transport's fault boundary: never raise
        return Delivery(False, f"internal error ({type(exc).__name__}: {exc})")


def _start_of(response: httpx.Response) -> str:
    """The first bytes of the answer, as one printable line (for error messages)."""
    if 200 <= response.status_code < 300:
        return ""
    data = b""
    try:
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) >= _RESPONSE_BYTES:
                break
    except httpx.HTTPError:
        pass
    text = data[:_RESPONSE_BYTES].decode("utf-8", "replace")
    line = " ".join(text.split())
    return line[:200] + ("..." if len(line) > 200 else "")


def _reason(exc: BaseException) -> str:
    message = str(exc) or type(exc).__name__
    return message if len(message) <= 300 else message[:300] + "..."


class JsonTransport:
    """Deliver reports as JSON to ``destination.endpoint``, retrying within ``timeout``."""

    def __init__(self, destination: Destination, *, timeout: float) -> None:
        self.destination = destination
        self.endpoint = destination.endpoint or ""
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"JsonTransport({self.endpoint!r}, timeout={self.timeout:g})"

    def send(self, report: ConsentedReport) -> Delivery:
        """POST the payload, retrying for up to ``timeout`` seconds; never raises."""
        refused = refuse_unconsented(report)
        if refused is not None:
            return refused
        try:
            return retry.run(lambda seconds: self.attempt(report, seconds), self.timeout)
        except Exception as exc:  # the transport's fault boundary
            return Delivery(False, f"internal error ({type(exc).__name__}: {exc})")

    def attempt(self, report: ConsentedReport, timeout: float) -> Delivery:
        """One request of the payload, within ``timeout`` seconds."""
        payload = report.payload
        refused = too_large(len(payload.body))
        if refused is not None:
            return refused
        body, headers = compress(
            payload.body,
            {
                "Content-Type": "application/json",
                "User-Agent": user_agent(self.destination),
                "Idempotency-Key": payload.report_id,
                "X-Crashreport-Digest": f"sha256={payload.digest}",
            },
        )
        return post(self.endpoint, body, headers, timeout=timeout)
