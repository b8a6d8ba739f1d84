"""What redaction removes: the kinds of values, their placeholders, the summary.

At the bottom of the redaction modules: the engine, the vault and the rules
all speak of these kinds.
"""

from __future__ import annotations

from crashreport._frozen import Frozen
from crashreport.redact.patterns import lazy

__all__ = ["ANONYMOUS", "KINDS", "NUMBERED", "PLACEHOLDER", "Redactions"]

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

# Values that identify nothing, whichever rule finds them: the users every
# Unix system has, and the ports services listen on by default. An unusual
# port tells which deployment failed; 5432 only that it is PostgreSQL, which
# the driver's name says anyway. (Loopback hosts are kept by ``hosts``.)
_DEFAULT_PORTS = """21 22 23 25 53 80 88 110 123 143 389 443 445 465 587 636 873 990 993 995
    1080 1433 1521 1883 2049 2181 2375 2376 3000 3306 3389 4222 5000 5432 5601 5671 5672
    5984 6379 6443 7000 7001 8000 8080 8081 8086 8088 8123 8200 8443 8500 8888 9000 9042
    9090 9092 9093 9200 9300 9418 11211 15672 4317 4318 8089 8125 8126 9411 16686""".split()
# The databases every server of a product has (PostgreSQL, MySQL, SQL Server,
# MongoDB, ClickHouse) name no deployment either.
_SYSTEM_DATABASES = """postgres template0 template1 mysql information_schema performance_schema
    sys master tempdb model msdb admin local config system default""".split()
ANONYMOUS: frozenset[tuple[str, str]] = frozenset(
    {
        *(("user", user) for user in ("root", "nobody", "anonymous")),
        *(("port", port) for port in _DEFAULT_PORTS),
        *(("database", name) for name in _SYSTEM_DATABASES),
    }
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
