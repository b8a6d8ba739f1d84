"""Sentry envelopes: reports to Sentry, GlitchTip, Bugsink -- any Sentry-compatible server.

The DSN ``scheme://KEY@host[:port][/prefix]/PROJECT`` says where
(``/prefix/api/PROJECT/envelope/``) and with which key (the ``X-Sentry-Auth``
header). The envelope is a header line, an item header line and the event
(``crashreport.transport.event``: a pure function of the shown payload, which
carries the payload's digest). No Sentry SDK is used at run time.

Rate limits: a ``429`` (or any refusal) carrying ``X-Sentry-Rate-Limits`` for
errors is retried only after the delay it names; without one, a ``429``
waits ``Retry-After`` or, as Sentry's SDKs do, 60 seconds.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import attrs
import httpx

from crashreport import __version__
from crashreport.payload import ConsentedReport, Payload
from crashreport.transport import retry
from crashreport.transport.base import Delivery, Destination, refuse_unconsented
from crashreport.transport.event import SDK, event
from crashreport.transport.http import classify_response, compress, post, too_large, user_agent

__all__ = ["Dsn", "SentryTransport", "envelope", "parse_dsn", "rate_limit"]

_CATEGORY = "error"  # the rate-limit category of an event with an exception
_DEFAULT_429_WAIT = 60.0


@attrs.frozen
class Dsn:
    """A parsed DSN: the public key (and legacy secret) and the envelope URL."""

    key: str
    secret: str | None
    project: str
    envelope_url: str

    def auth_header(self) -> str:
        """The ``X-Sentry-Auth`` value."""
        parts = [
            "Sentry sentry_version=7",
            f"sentry_client=crashreport/{__version__}",
            f"sentry_key={self.key}",
        ]
        if self.secret:
            parts.append(f"sentry_secret={self.secret}")
        return ", ".join(parts)


def parse_dsn(dsn: str) -> Dsn:
    """Parse ``scheme://KEY[:SECRET]@host[:port][/prefix]/PROJECT``; raises ``ValueError``."""
    from urllib.parse import urlsplit

    parts = urlsplit(dsn.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("a DSN looks like https://KEY@host/PROJECT_ID")
    if not parts.username:
        raise ValueError("the DSN carries no public key (https://KEY@host/PROJECT_ID)")
    prefix, _, project = parts.path.rstrip("/").rpartition("/")
    if not project.isdigit():
        raise ValueError("a DSN ends with its numeric project id")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return Dsn(
        key=parts.username,
        secret=parts.password or None,
        project=project,
        envelope_url=f"{parts.scheme}://{netloc}{prefix}/api/{project}/envelope/",
    )


def envelope(payload: Payload, *, sent_at: str | None = None) -> bytes:
    """The envelope of one report: header, item header, event -- one line each.

    Raises ``ValueError`` (or ``KeyError``/``TypeError``) if the payload is not
    a report.
    """
    data = payload.data()
    item = _compact(event(data, digest=payload.digest))
    when = sent_at or datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
    header = {"event_id": json.loads(item)["event_id"], "sent_at": when, "sdk": SDK}
    item_header = {"type": "event", "content_type": "application/json", "length": len(item)}
    return b"\n".join((_compact(header), _compact(item_header), item)) + b"\n"


def _compact(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def rate_limit(header: str | None, category: str = _CATEGORY) -> float | None:
    """The wait in seconds that ``X-Sentry-Rate-Limits`` sets on ``category``, if any.

    The header is ``seconds:categories:scope[:reason...]``, comma-separated,
    with ``;`` between categories and no category meaning every category.
    """
    if not header:
        return None
    wait: float | None = None
    for limit in header.split(","):
        fields = limit.strip().split(":")
        try:
            seconds = float(fields[0])
        except ValueError:
            continue
        categories = fields[1].split(";") if len(fields) > 1 and fields[1] else []
        if not categories or category in categories:
            wait = seconds if wait is None else max(wait, seconds)
    return wait


def classify(response: httpx.Response, text: str = "") -> Delivery:
    """A Sentry server's answer as a ``Delivery`` (rate limits honoured)."""
    delivery = classify_response(response, text)
    if delivery.delivered:
        return delivery
    limited = rate_limit(response.headers.get("X-Sentry-Rate-Limits"))
    if limited is not None:
        return attrs.evolve(
            delivery, retry=True, retry_after=limited, detail=f"{delivery.detail} (rate limited)"
        )
    if response.status_code == 429 and delivery.retry_after is None:
        return attrs.evolve(delivery, retry_after=_DEFAULT_429_WAIT)
    return delivery


class SentryTransport:
    """Deliver reports as Sentry envelopes to ``destination.dsn``, retrying within ``timeout``."""

    def __init__(self, destination: Destination, *, timeout: float) -> None:
        self.destination = destination
        self.timeout = timeout
        self.dsn: Dsn | None = None
        self.problem = ""
        try:
            self.dsn = parse_dsn(destination.dsn or "")
        except ValueError as exc:
            self.problem = f"refused to send: {exc}"

    def __repr__(self) -> str:
        where = self.dsn.envelope_url if self.dsn else "invalid DSN"
        return f"SentryTransport({where!r}, timeout={self.timeout:g})"

    def send(self, report: ConsentedReport) -> Delivery:
        """POST the report's envelope, retrying for up to ``timeout`` seconds; never raises."""
        refused = refuse_unconsented(report)
        if refused is not None:
            return refused
        if self.dsn is None:
            return Delivery(False, self.problem, attempts=0)
        try:
            body = envelope(report.payload)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return Delivery(
                False, f"refused to send: the payload is not a report ({exc})", attempts=0
            )
        refused = too_large(len(body), "the Sentry event")
        if refused is not None:
            return refused
        dsn = self.dsn
        body, headers = compress(
            body,
            {
                "Content-Type": "application/x-sentry-envelope",
                "User-Agent": user_agent(self.destination),
                "X-Sentry-Auth": dsn.auth_header(),
                "Idempotency-Key": report.report_id,
            },
        )
        try:
            return retry.run(
                lambda seconds: post(
                    dsn.envelope_url, body, headers, timeout=seconds, classify=classify
                ),
                self.timeout,
            )
        except Exception as exc:  # the transport's fault boundary
            return Delivery(False, f"internal error ({type(exc).__name__}: {exc})")
