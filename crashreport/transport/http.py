"""JSON over HTTPS: ``POST`` the payload bytes, exactly as shown.

Headers: ``Content-Type: application/json``, a ``User-Agent`` naming us and
the host app, ``Idempotency-Key`` (the report id, so a retried delivery
counts once) and ``X-Crashreport-Digest`` (SHA-256 of the body, so the server
can check it got what the user saw). Plain ``http://`` only to loopback
(checked by ``Config``); redirects are never followed.
"""

from __future__ import annotations

import httpx

from crashreport._version import __version__
from crashreport.payload import ConsentedReport
from crashreport.transport import Delivery, Destination

__all__ = ["JsonTransport", "classify_response", "user_agent"]


def user_agent(destination: Destination) -> str:
    """``crashreport/<version> (<product>/<version>)``."""
    return f"crashreport/{__version__} ({destination.product}/{destination.version})"


def classify_response(response: httpx.Response) -> Delivery:
    """Turn a server's answer into a ``Delivery`` (shared by the transports)."""
    status = response.status_code
    if 200 <= status < 300:
        return Delivery(True, f"HTTP {status}", status=status)
    retry_after = _retry_after(response.headers.get("Retry-After"))
    if status == 429 or status >= 500:
        return Delivery(False, f"HTTP {status}", retry=True, retry_after=retry_after, status=status)
    if 300 <= status < 400:
        where = response.headers.get("Location", "?")
        return Delivery(False, f"HTTP {status}: redirect to {where} not followed", status=status)
    if status == 413:
        return Delivery(False, "HTTP 413: the server says the report is too large", status=status)
    return Delivery(False, f"HTTP {status}: the server rejected the report", status=status)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        import email.utils
        import time

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())


class JsonTransport:
    """Deliver reports as JSON to ``destination.endpoint``."""

    def __init__(self, destination: Destination, *, timeout: float) -> None:
        if not destination.endpoint:
            raise ValueError("JsonTransport needs an endpoint")
        self.destination = destination
        self.endpoint = destination.endpoint
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"JsonTransport({self.endpoint!r})"

    def send(self, report: ConsentedReport) -> Delivery:
        """POST the payload once; never raises."""
        payload = report.payload
        headers = {
            "Content-Type": "application/json",
            "User-Agent": user_agent(self.destination),
            "Idempotency-Key": payload.report_id,
            "X-Crashreport-Digest": f"sha256={payload.digest}",
        }
        timeout = httpx.Timeout(self.timeout, connect=min(self.timeout, 3.0))
        try:
            with httpx.Client(timeout=timeout, follow_redirects=False) as client:
                response = client.post(self.endpoint, content=payload.body, headers=headers)
        except httpx.TimeoutException:
            return Delivery(False, f"timed out after {self.timeout:g} s", retry=True)
        except httpx.HTTPError as exc:
            return Delivery(False, f"{type(exc).__name__}: {exc}", retry=True)
        return classify_response(response)
