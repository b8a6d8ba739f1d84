"""redact: a ``Report`` becomes a ``RedactedReport`` that holds no secret.

The built-in rule families always run; a host app can add rules and known
secrets, never remove a family. See ``engine`` for how rules are run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

import attrs

from crashreport.redact.connections import (
    AssignedConnectionParts,
    ConnectionUrls,
    LibpqWithoutEquals,
)
from crashreport.redact.credentials import (
    AssignedSecrets,
    AuthorizationHeaders,
    CommandLineSecrets,
    PrivateKeys,
    RandomTokens,
    VendorTokens,
)
from crashreport.redact.engine import (
    Finding,
    RedactionFailed,
    Redactions,
    Rule,
    Vault,
    redact_strings,
)
from crashreport.redact.identity import EmailAddresses, HomeDirectories, local_identity
from crashreport.redact.known import base64_forms, environment_secrets, environment_texts
from crashreport.redact.network import (
    DriverMessages,
    HostNames,
    IpAddresses,
    Ports,
    SocketAddresses,
)
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
BUILTIN_RULES: tuple[Rule, ...] = (
    PrivateKeys(),
    VendorTokens(),
    ConnectionUrls(),
    AssignedSecrets(),
    CommandLineSecrets(),
    AuthorizationHeaders(),
    RandomTokens(),
    AssignedConnectionParts(),
    LibpqWithoutEquals(),
    DriverMessages(),
    SocketAddresses(),
    Ports(),
    IpAddresses(),
    HostNames(),
    HomeDirectories(),
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
    def __init__(
        self,
        rules: Iterable[Rule],
        secrets: Iterable[str],
        environ: Mapping[str, str] | None,
        local: bool,
    ) -> None:
        self.rules: Sequence[Rule] = (*BUILTIN_RULES, *rules)
        self.vault = Vault()
        env = os.environ if environ is None else environ
        for value in (*secrets, *environment_secrets(env)):
            self.vault.learn("secret", value, base64_forms(value))
        if local:
            for kind, value in local_identity():
                self.vault.learn(kind, value)
        self.learn_from = environment_texts(env)

    def run(self, texts: Sequence[str]) -> list[str]:
        return redact_strings(texts, self.rules, self.vault, self.learn_from)


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
