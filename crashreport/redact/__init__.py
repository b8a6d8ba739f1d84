"""redact: a ``Report`` becomes a ``RedactedReport`` that holds no secret.

The built-in rule families always run; a host app can add rules and known
secrets, never remove a family. See ``engine`` for how rules are run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

import attrs

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
from crashreport.redact.dsn import AssignedConnectionParts, EzConnect, LdapNames, LibpqWithoutEquals
from crashreport.redact.engine import (
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
from crashreport.redact.scan import ScanRule
from crashreport.report import Report, map_strings, strings

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
    AuthorizationHeaders(),
    RandomTokens(),
    AssignedConnectionParts(),
    LibpqWithoutEquals(),
    EzConnect(),
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


@attrs.frozen
class RedactedReport:
    """A report with every string redacted, and what was removed from it."""

    report: Report
    redactions: Redactions


@attrs.frozen
class RedactedText:
    """One redacted text, and what was removed from it."""

    text: str
    redactions: Redactions


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
) -> RedactedReport:
    """Redact every string of ``report`` together (one vault, one placeholder per value).

    ``rules`` run after the built-in ones; ``secrets`` are removed wherever
    they appear; ``environ`` (default ``os.environ``) supplies secrets by
    variable name; ``local`` also removes this machine's user and host names.
    Raises ``RedactionFailed`` (fail closed) if any rule fails.
    """
    redactor = _Redactor(rules, secrets, environ, local)
    redacted = iter(redactor.run(strings(report)))
    clean = map_strings(report, lambda _text: next(redacted))
    return RedactedReport(clean, redactor.vault.redactions())


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
