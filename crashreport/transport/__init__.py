"""transport: deliver a ``ConsentedReport`` -- and nothing else -- to a server.

A transport is one method, ``send(report) -> Delivery``; it never raises for
anything the network or the server does. ``for_destination`` picks the
transport for a destination (an ``endpoint`` URL, or a Sentry ``dsn``).
"""

from __future__ import annotations

from typing import Protocol

import attrs

from crashreport.payload import ConsentedReport

__all__ = ["Delivery", "Destination", "Transport", "for_destination"]


@attrs.frozen
class Delivery:
    """How one attempt to deliver went.

    ``retry`` says whether trying again later can help (a timeout, a 5xx, a
    429) or not (the server rejected the payload); ``retry_after`` is the
    server's requested delay in seconds, if it gave one.
    """

    delivered: bool
    detail: str
    retry: bool = False
    retry_after: float | None = None
    status: int | None = None


@attrs.frozen
class Destination:
    """Where reports go, as stored with each queued report so a later delivery
    goes where the user agreed to send it."""

    endpoint: str | None = None
    dsn: str | None = None
    product: str = "python-app"
    version: str = "0"

    @property
    def host(self) -> str | None:
        """The host name shown to the user (``will be sent to <host>``)."""
        from crashreport.config import split_url

        url = self.dsn or self.endpoint
        return split_url(url)[1] if url else None


class Transport(Protocol):
    """Something that delivers consented reports."""

    def send(self, report: ConsentedReport) -> Delivery:
        """Try once to deliver ``report``; never raises."""
        ...


def for_destination(destination: Destination, *, timeout: float) -> Transport | None:
    """The transport for ``destination``, or ``None`` if there is nowhere to send."""
    if destination.dsn:
        from crashreport.transport.sentry import SentryTransport

        return SentryTransport(destination, timeout=timeout)
    if destination.endpoint:
        from crashreport.transport.http import JsonTransport

        return JsonTransport(destination, timeout=timeout)
    return None
