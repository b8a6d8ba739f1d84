"""The payload -- the exact bytes that would be uploaded -- and the consented report.

"What you see is what is sent": the full view shows ``Payload.body``, the
upload sends ``Payload.body``, and ``digest`` (SHA-256 of the body) lets a
server or a test check that what arrived is what was shown.
"""

from __future__ import annotations

import json

from crashreport._frozen import Frozen

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = ["ConsentedReport", "Payload"]

_set = object.__setattr__  # how a frozen instance sets its fields, once, in __init__


class Payload(Frozen):
    """The bytes of one report as they would be sent (pretty-printed JSON, UTF-8)."""

    __slots__ = ("report_id", "body")  # noqa: RUF023 - in constructor order
    report_id: str
    body: bytes

    def __init__(self, report_id: str, body: bytes) -> None:
        _set(self, "report_id", report_id)
        _set(self, "body", body)

    @property
    def digest(self) -> str:
        """SHA-256 of ``body``, hex."""
        import hashlib  # loads OpenSSL: only when a digest is shown or sent

        return hashlib.sha256(self.body).hexdigest()

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Payload:
        """Serialise a report's JSON form, deterministically."""
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        return cls(report_id=str(data["id"]), body=text.encode("utf-8"))

    def data(self) -> dict[str, Any]:
        """The JSON form back (for transports that reshape it, such as Sentry's)."""
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


_CONSENT_KEY = object()


class ConsentedReport(Frozen):
    """A payload the user agreed to send. Transports accept nothing else.

    Only ``crashreport.consent`` makes one (with its private key); trying to
    build one anywhere else raises ``TypeError``, so no code path can send a
    report the user did not agree to. (A copy is made by the constructor too,
    with the same check; a pickled one does not load: the key is not the key.)
    """

    __slots__ = ("payload", "_key")  # noqa: RUF023 - in constructor order
    payload: Payload

    def __init__(self, payload: Payload, _key: object) -> None:
        if _key is not _CONSENT_KEY:
            raise TypeError("a ConsentedReport is made only by the consent step")
        _set(self, "payload", payload)
        _set(self, "_key", _key)

    def __repr__(self) -> str:
        return f"ConsentedReport(payload={self.payload!r})"  # the key is nobody's business

    @property
    def report_id(self) -> str:
        """The report's id (also the idempotency key of its delivery)."""
        return self.payload.report_id
