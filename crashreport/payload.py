"""The payload -- the exact bytes that would be uploaded -- and the consented report.

"What you see is what is sent": the full view shows ``Payload.body``, the
upload sends ``Payload.body``, and ``digest`` (SHA-256 of the body) lets a
server or a test check that what arrived is what was shown.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["ConsentedReport", "Payload"]


@attrs.frozen
class Payload:
    """The bytes of one report as they would be sent (pretty-printed JSON, UTF-8)."""

    report_id: str
    body: bytes

    @property
    def digest(self) -> str:
        """SHA-256 of ``body``, hex."""
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


@attrs.frozen
class ConsentedReport:
    """A payload the user agreed to send. Transports accept nothing else.

    Only ``crashreport.consent`` makes one (with its private key); trying to
    build one anywhere else raises ``TypeError``, so no code path can send a
    report the user did not agree to.
    """

    payload: Payload
    _key: object = attrs.field(repr=False, alias="_key")

    @_key.validator
    def _only_consent(self, _attribute: object, key: object) -> None:
        if key is not _CONSENT_KEY:
            raise TypeError("a ConsentedReport is made only by the consent step")

    @property
    def report_id(self) -> str:
        """The report's id (also the idempotency key of its delivery)."""
        return self.payload.report_id
