"""redact: a ``Report`` becomes a ``RedactedReport`` that holds no secret.

The built-in rule families always run; a host app can add rules and known
secrets, never remove a family. See ``engine`` for how rules are run.
"""

from __future__ import annotations

import os

from crashreport._frozen import Frozen
from crashreport.redact.commands import ClientOptions, CredentialCalls
from crashreport.redact.connections import ConnectionUrls
from crashreport.redact.credentials import (
    AssignedSecrets,
    AuthorizationHeaders,
    CommandLineSecrets,
    PrivateKeys,
    RandomTokens,
    VendorTokens,
)
from crashreport.redact.drivers import DriverMessages, UserAtHost
from crashreport.redact.dsn import (
    AssignedConnectionParts,
    EzConnect,
    LdapNames,
    LibpqWithoutEquals,
    PasswordFileLines,
)
from crashreport.redact.engine import (
    KINDS,
    Finding,
    RedactionFailed,
    Redactions,
    Rule,
    Vault,
    redact_strings,
)
from crashreport.redact.identity import (
    EmailAddresses,
    HomeDirectories,
    UncPaths,
    local_identity,
)
from crashreport.redact.known import base64_forms, read_environment
from crashreport.redact.network import HostNames, IpAddresses, Ports, SocketAddresses
from crashreport.redact.pairs import KeyValueTuples
from crashreport.redact.rejected import RejectedValues
from crashreport.redact.scan import ScanRule
from crashreport.redact.sql import SqlParameters

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from crashreport.report import ExceptionInfo, Report

__all__ = [
    "BUILTIN_RULES",
    "Finding",
    "RedactedReport",
    "RedactedText",
    "RedactionFailed",
    "Redactions",
    "Rule",
    "redact",
    "redact_text",
]

# The order does not change the result (spans are merged), only which
# placeholder wins where two rules overlap: the most specific first.
BUILTIN_RULES: tuple[ScanRule, ...] = (
    PrivateKeys(),
    VendorTokens(),
    ConnectionUrls(),
    AssignedSecrets(),
    CommandLineSecrets(),
    ClientOptions(),
    CredentialCalls(),
    SqlParameters(),
    KeyValueTuples(),
    RejectedValues(),
    AuthorizationHeaders(),
    RandomTokens(),
    AssignedConnectionParts(),
    LibpqWithoutEquals(),
    EzConnect(),
    PasswordFileLines(),
    LdapNames(),
    DriverMessages(),
    UserAtHost(),
    SocketAddresses(),
    Ports(),
    IpAddresses(),
    HostNames(),
    HomeDirectories(),
    UncPaths(),
    EmailAddresses(),
)


class RedactedReport(Frozen):
    """A report with every string redacted, and what was removed from it."""

    __slots__ = ("report", "redactions")  # noqa: RUF023 - constructor order (see _frozen)
    report: Report
    redactions: Redactions

    def __init__(self, report: Report, redactions: Redactions) -> None:
        object.__setattr__(self, "report", report)
        object.__setattr__(self, "redactions", redactions)


class RedactedText(Frozen):
    """One redacted text, and what was removed from it."""

    __slots__ = ("text", "redactions")  # noqa: RUF023 - constructor order (see _frozen)
    text: str
    redactions: Redactions

    def __init__(self, text: str, redactions: Redactions) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "redactions", redactions)


class _Redactor:
    """One report's redaction: the rules, and a vault that starts with what the
    process already knows is secret (see ``_known``)."""

    def __init__(
        self,
        rules: Iterable[Rule],
        secrets: Iterable[str],
        environ: Mapping[str, str] | None,
        local: bool,
    ) -> None:
        self.rules: tuple[Rule | ScanRule, ...] = (*BUILTIN_RULES, *rules)
        env_secrets, env_texts = read_environment(os.environ if environ is None else environ)
        self.vault = _known(self.rules, (*secrets, *env_secrets), tuple(env_texts), local).copy()

    def run(self, texts: Sequence[str]) -> list[str]:
        return redact_strings(texts, self.rules, self.vault)


# What the process knows is secret changes rarely (registered secrets, the
# environment, this machine's names), and learning it -- encoded forms,
# base64 forms, the parts of every connection string in the environment --
# costs more than redacting a small report. So it is learned once per
# distinct configuration and each report's vault starts from a copy. The
# values kept here are ones the process holds anyway (in os.environ, in
# register_secret's list); nothing derived from a report is ever cached.
_KNOWN: dict[object, Vault] = {}
_KNOWN_LIMIT = 16


def _known(
    rules: tuple[Rule | ScanRule, ...],
    secrets: tuple[str, ...],
    texts: tuple[str, ...],
    local: bool,
) -> Vault:
    key: object = (rules, secrets, texts, local)
    try:
        cached = _KNOWN.get(key)
    except TypeError:  # a host rule that cannot be hashed: learn every time
        cached, key = None, None
    if cached is not None:
        return cached
    vault = Vault()
    for value in secrets:
        vault.learn("secret", value, base64_forms(value))
    if local:
        for kind, value in local_identity():
            vault.learn(kind, value)
    redact_strings((), rules, vault, learn_from=texts)  # learn the parts, redact nothing
    vault.gate()  # searched in every report: a quick test of its rarest character first
    if key is not None:
        if len(_KNOWN) >= _KNOWN_LIMIT:
            # another thread's crash may be redacted at the same time: clearing
            # instead of evicting one entry cannot race
            _KNOWN.clear()
        _KNOWN[key] = vault
    return vault


def redact(
    report: Report,
    *,
    rules: Iterable[Rule] = (),
    secrets: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
    local: bool = True,
    count_hidden: bool = True,
) -> RedactedReport:
    """Redact every string of ``report`` together (one vault, one placeholder per value).

    ``rules`` run after the built-in ones; ``secrets`` are removed wherever
    they appear; ``environ`` (default ``os.environ``) supplies secrets by
    variable name; ``local`` also removes this machine's user and host names.
    ``count_hidden``: the summary also counts the values capture already
    hid by their name (a local ``password`` shown as ``<password>``); pass
    ``False`` for a report redacted before, whose counts hold them already.
    Raises ``RedactionFailed`` (fail closed) if any rule fails.
    """
    from crashreport.report import map_strings, strings

    redactor = _Redactor(rules, secrets, environ, local)
    redacted = iter(redactor.run(strings(report)))
    clean = map_strings(report, lambda _text: next(redacted))
    redactions = redactor.vault.redactions()
    if count_hidden:
        redactions = _with_hidden(redactions, report)
    return RedactedReport(clean, redactions)


# The placeholders capture writes instead of a value held under a sensitive
# name (``capture.values.placeholder_for``): ``<kind>``, and ``<private-key>``.
_HIDDEN = {
    "<private-key>": "private_key",
    **{f"<{kind}>": kind for kind in KINDS if kind not in ("private_key", "home")},
}


def _with_hidden(redactions: Redactions, report: Report) -> Redactions:
    """``redactions`` plus one removed value per local (or opted-in environment
    variable) whose whole value is a placeholder capture wrote. Only whole
    values count: a text that merely holds ``<password>`` was not hidden."""
    hidden: dict[str, int] = {}
    for _name, value in _hidden_pairs(report):
        kind = _HIDDEN.get(value)
        if kind is not None:
            hidden[kind] = hidden.get(kind, 0) + 1
    if not hidden:
        return redactions
    counts = dict(redactions.counts)
    for kind, n in hidden.items():
        counts[kind] = counts.get(kind, 0) + n
    return Redactions(tuple((kind, counts[kind]) for kind in KINDS if kind in counts))


def _hidden_pairs(report: Report) -> Iterable[tuple[str, str]]:
    """Every ``(name, value)`` pair capture may have hidden: the frames' locals of
    every exception in the report (causes, contexts, group members), and the
    environment variables a host app opted in."""
    yield from report.environment.variables
    pending: list[ExceptionInfo] = [report.exception]
    while pending:  # a loop, not recursion: a chain may be long
        info = pending.pop()
        for frame in info.frames:
            yield from frame.locals
        if info.cause is not None:
            pending.append(info.cause)
        pending.extend(info.exceptions)


def redact_text(
    text: str,
    *,
    rules: Iterable[Rule] = (),
    secrets: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
    local: bool = True,
) -> RedactedText:
    """Redact one free text (a traceback, a log) with exactly the report pipeline."""
    redactor = _Redactor(rules, secrets, environ, local)
    return RedactedText(redactor.run([text])[0], redactor.vault.redactions())
