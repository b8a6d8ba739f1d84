"""What redaction removes: the kinds of values, their placeholders, the summary.

At the bottom of the redaction modules: the engine, the vault and the rules
all speak of these kinds.
"""

from __future__ import annotations

from crashreport._frozen import Frozen
from crashreport.redact.patterns import lazy

__all__ = ["KINDS", "NUMBERED", "PLACEHOLDER", "Redactions"]

# kind -> (singular noun, plural noun) for the summary, in the order shown
KINDS: dict[str, tuple[str, str]] = {
    "private_key": ("private key", "private keys"),
    "password": ("password", "passwords"),
    "token": ("token", "tokens"),
    "secret": ("secret", "secrets"),
    "user": ("user name", "user names"),
    "email": ("e-mail address", "e-mail addresses"),
    "home": ("home directory", "home directories"),
    "host": ("host", "hosts"),
    "ip": ("IP address", "IP addresses"),
    "port": ("port", "ports"),
    "database": ("database name", "database names"),
}

# Placeholders this engine writes. Text matching them is never redacted
# again, which makes redaction idempotent. Linear: literal "<", bounded.
PLACEHOLDER = lazy(
    r"<(?:private-key|password|token(?::[a-z0-9-]{1,20})?|secret|user|email"
    r"|host-\d{1,6}|ip-\d{1,6}|port|database)>"
)

# Kinds whose values are numbered so a report still reads ("host-1 ... host-1").
NUMBERED = frozenset({"host", "ip"})


class Redactions(Frozen):
    """What was removed from one report: distinct values counted by kind.

    A frozen value (compared and hashed by ``counts``), as every result of
    redaction is; a plain class, because it is made in the process that
    just crashed (see ``crashreport._frozen``).
    """

    __slots__ = ("counts",)
    counts: tuple[tuple[str, int], ...]

    def __init__(self, counts: tuple[tuple[str, int], ...] = ()) -> None:
        object.__setattr__(self, "counts", counts)

    @property
    def total(self) -> int:
        """How many distinct values were removed."""
        return sum(n for _, n in self.counts)

    def summary(self) -> str:
        """One line, e.g. ``removed: 1 password, 2 hosts, 1 port``."""
        if not self.counts:
            return "removed: nothing"
        parts = [f"{n} {KINDS[kind][0 if n == 1 else 1]}" for kind, n in self.counts]
        return "removed: " + ", ".join(parts)
