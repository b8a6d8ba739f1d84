"""The vocabulary of delivery: ``Delivery``, ``Destination``, ``Transport``.

A transport is one method, ``send(report) -> Delivery``: it takes a
``ConsentedReport`` (nothing else can reach the network), tries -- retrying
within its time budget -- and never raises for anything the network or the
server does. ``for_destination`` picks the transport for a destination.
"""

from __future__ import annotations

from typing import Protocol

import attrs

from crashreport.payload import ConsentedReport

__all__ = ["Delivery", "Destination", "Transport", "for_destination", "refuse_unconsented"]


@attrs.frozen
class Delivery:
    """How delivering one report went.

    ``retry`` says whether trying again can help (a timeout, a 5xx, a 429) or
    not (the server rejected the payload, or we refused to send it);
    ``retry_after`` is the delay in seconds the server asked for, if any;
    ``attempts`` counts the requests made (0: refused before any request).
    """

    delivered: bool
    detail: str
    retry: bool = False
    retry_after: float | None = None
    status: int | None = None
    attempts: int = 1


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
        from crashreport.config import shown_host

        return shown_host(self.dsn or self.endpoint)


class Transport(Protocol):
    """Something that delivers consented reports."""

    def send(self, report: ConsentedReport) -> Delivery:
        """Deliver ``report`` (retrying within the transport's budget); never raises."""
        ...


def refuse_unconsented(report: object) -> Delivery | None:
    """A refusal, if ``report`` is not a ``ConsentedReport``; ``None`` if it is.

    The type annotation says what a transport takes; this makes it true at run
    time too, so no object that merely looks like a report (a payload, a
    redacted report, something with a ``payload`` attribute) is ever sent.
    """
    if isinstance(report, ConsentedReport):
        return None
    return Delivery(
        False,
        f"refused to send a {type(report).__name__}: only a consented report is sent",
        attempts=0,
    )


def for_destination(destination: Destination, *, timeout: float) -> Transport | None:
    """The transport for ``destination``, or ``None`` if there is nowhere to send.

    ``timeout`` is the total time one ``send`` may take, retries included.
    An invalid destination (say, an outbox file edited by hand) still gets a
    transport: its ``send`` refuses, with the reason, without opening a socket.
    """
    if destination.dsn:
        from crashreport.transport.sentry import SentryTransport

        return SentryTransport(destination, timeout=timeout)
    if destination.endpoint:
        from crashreport.transport.http import JsonTransport

        return JsonTransport(destination, timeout=timeout)
    return None
