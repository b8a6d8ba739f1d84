"""transport: deliver a ``ConsentedReport`` -- and nothing else -- to a server.

``base`` holds the vocabulary (``Delivery``, ``Destination``, the ``Transport``
protocol, ``for_destination``); ``http`` the JSON transport, ``sentry`` the
envelope transport, ``retry`` the backoff, ``outbox`` the reports waiting on
disk, ``redeliver`` delivery again on the next run.

The names are re-exported lazily: ``install()`` imports ``redeliver`` (one
scandir of the outbox), and so this package, on every start of the host app,
where attrs and httpx must not load.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from crashreport.transport.base import Delivery, Destination, Transport, for_destination

__all__ = ["Delivery", "Destination", "Transport", "for_destination"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from crashreport.transport import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
