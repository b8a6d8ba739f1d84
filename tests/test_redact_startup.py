"""Issue 9, target 3, the fast check: redaction is cheap to start in a crashed process.

The process that just crashed imports ``crashreport.redact`` and redacts one
report, against a budget of milliseconds, so the package imports only the
standard library's regular expressions and a few small modules: never attrs,
typing, socket, getpass, ipaddress, urllib, base64, json, inspect or
platform (each costs milliseconds, some tens of them), and it compiles no
pattern until a text needs it. Like ``tests/test_startup.py``, this runs in
a bare interpreter (``-I -S``), so nothing a ``.pth`` file preloads can hide
an import. No timing is asserted here: the figures live in
``benchmarks/bench_redact_cold.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# What a redaction must not load (imported lazily, only by the rare text that
# needs one: ipaddress for an IPv6 address, urllib for a %-escaped password).
HEAVY = frozenset(
    {
        "attrs",
        "attr",
        "typing",
        "socket",
        "getpass",
        "ipaddress",
        "urllib",
        "urllib.parse",
        "base64",
        "json",
        "inspect",
        "platform",
        "contextlib",
        "threading",
        "subprocess",
        "dataclasses",
    }
)

CHILD = r"""
import os, sys
sys.path[:0] = [sys.argv[1]]
code = sys.argv[2]
before = set(sys.modules)
exec(compile(code, "<redact-startup-check>", "exec"))
new = sorted(set(sys.modules) - before)
compiled = []
for name, module in list(sys.modules.items()):
    if name.startswith("crashreport.redact"):
        for attr, value in vars(module).items():
            if type(value).__name__ == "_Lazy" and "_pattern" in vars(value):
                compiled.append(f"{name}.{attr}")
import json  # only now: the check is done
sys.stdout.write(json.dumps({"new": new, "compiled": sorted(compiled)}))
"""

TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/home/mjohansson/src/app/db.py", line 12, in connect\n'
    "    conn = psycopg2.connect(dsn)\n"
    "    dsn = 'host=pg-ledger-04.corp.internal port=48213 dbname=ledger_prod_eu "
    "user=svc_ledger_rw password=Hunter2-x7Qp9a'\n"
    'psycopg2.OperationalError: connection to server at "pg-ledger-04.corp.internal" '
    "(10.41.7.203), port 48213 failed: FATAL:  password authentication failed for user "
    '"svc_ledger_rw"\n'
)


def _run(code: str) -> dict[str, list[str]]:
    """Run ``code`` in a bare interpreter; the modules it added and the patterns compiled."""
    child = subprocess.run(
        [sys.executable, "-I", "-S", "-c", CHILD, str(ROOT), code],
        capture_output=True,
        text=True,
        cwd=str(ROOT.parent),
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    result: dict[str, list[str]] = json.loads(child.stdout)
    return result


def test_importing_redaction_loads_nothing_heavy_and_compiles_nothing() -> None:
    """``import crashreport.redact`` loads no heavy module and compiles no pattern."""
    seen = _run("import crashreport.redact")
    assert sorted(HEAVY & set(seen["new"])) == []
    assert seen["compiled"] == []
    assert "re" in seen["new"]  # the one real dependency: the rules are regular expressions


def test_a_first_redaction_loads_nothing_heavy_and_compiles_only_what_it_needs() -> None:
    """Redacting a driver's traceback loads no heavy module, and leaves the patterns
    of absent literals (a PEM armour, a Slack webhook, LDAP names...) uncompiled."""
    code = (
        "from crashreport.redact import redact_text\n"
        f"out = redact_text({TRACEBACK!r}, environ={{}}, local=False)\n"
        "assert 'Hunter2-x7Qp9a' not in out.text and 'pg-ledger-04' not in out.text, out.text\n"
    )
    seen = _run(code)
    assert sorted(HEAVY & set(seen["new"])) == []
    compiled = set(seen["compiled"])
    assert "crashreport.redact.assignments._REVERSED_KEY" in compiled
    for absent in (
        "crashreport.redact.credentials._PEM",
        "crashreport.redact.dsn._DOMAIN_COMPONENTS",
        "crashreport.redact.identity._UNC",
        "crashreport.redact.drivers._CLICKHOUSE_USER",
    ):
        assert absent not in compiled


def test_json_stays_out_even_for_a_value_that_needs_escaping() -> None:
    """A password with a quote and a backslash is remembered in its JSON-escaped form
    through the C encoder, without importing ``json``."""
    password = 'a\\b\\"c-9'  # as a repr prints it: a\b\"c-9
    text = f'password="{password}" then {password}'
    code = (
        "from crashreport.redact import redact_text\n"
        f"out = redact_text({text!r}, environ={{}}, local=False)\n"
        f"assert {password!r} not in out.text, out.text\n"
    )
    seen = _run(code)
    assert "json" not in seen["new"]
    assert "_json" in seen["new"] or sys.implementation.name != "cpython"


def test_results_are_plain_values() -> None:
    """Findings and results are frozen values: compared by value, readable, immutable."""
    from crashreport.redact import Finding, Redactions, redact_text

    first = redact_text("password=hunter2x", environ={}, local=False)
    again = redact_text("password=hunter2x", environ={}, local=False)
    assert first == again
    assert hash(first) == hash(again)
    assert repr(first) == (
        "RedactedText(text='password=<password>', redactions=Redactions(counts=(('password', 1),)))"
    )
    assert Finding(0, 3, "host") == Finding(0, 3, "host", "", None, None)
    assert repr(Finding(0, 3, "host")) == (
        "Finding(start=0, end=3, kind='host', label='', value=None, replacement=None)"
    )
    with pytest.raises(AttributeError):
        first.redactions.counts = ()  # type: ignore[misc]
    assert Redactions((("host", 2),)).summary() == "removed: 2 hosts"
