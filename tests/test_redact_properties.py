"""Properties of redaction over generated inputs (hypothesis): planted secrets of
every family are always removed, redaction is idempotent, never raises, and
keeps what a developer needs."""

from __future__ import annotations

import string
import urllib.parse
from collections.abc import Callable

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crashreport.redact.kinds import PLACEHOLDER
from crashreport.redact.syntax import skip_value
from crashreport.redact.vault import _COMMON
from fixtures.redaction_samples import leaks, scrub

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ALNUM = string.ascii_letters + string.digits

# ---------------------------------------------------------------- values


def _text(alphabet: str, low: int, high: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=low, max_size=high)


passwords = _text(ALNUM + "!#$%^*_-.~+", 8, 24).filter(
    lambda v: not skip_value(v) and any(c.isalnum() for c in v) and v[-1] not in ".:"
)
users = st.from_regex(r"[a-z][a-z0-9_]{4,14}", fullmatch=True).filter(lambda v: v not in _COMMON)
labels = st.from_regex(r"[a-z][a-z0-9]{2,8}", fullmatch=True)
hosts = st.builds(
    lambda a, b, n, zone: f"{a}-{b}-{n}.{zone}",
    labels,
    labels,
    st.integers(1, 99),
    st.sampled_from(
        ["corp.internal", "prod.internal", "svc.cluster.local", "acme-corp.com", "lan"]
    ),
)
ips = st.builds(
    lambda a, b, c: f"10.{a}.{b}.{c}", st.integers(0, 254), st.integers(0, 254), st.integers(2, 254)
) | st.builds(lambda a, c: f"192.168.{a}.{c}", st.integers(0, 254), st.integers(2, 254))
ports = st.integers(20000, 65000).map(str)
databases = st.builds(lambda a, b: f"{a}_{b}", labels, labels)
emails = st.builds(lambda u, d: f"{u}@{d}.example-mail.com", users, labels)
tokens = (
    _text(ALNUM, 36, 36).map(lambda b: "ghp_" + b)
    | _text(string.ascii_uppercase + "234567", 16, 16).map(lambda b: "AKIA" + b)
    | _text(ALNUM, 24, 40).map(lambda b: "sk_live_" + b)
    | _text(ALNUM, 24, 24).map(lambda b: "xoxb-123456789012-" + b)
    | _text(ALNUM + "_-", 40, 60).map(lambda b: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0." + b)
)

Plant = tuple[str, list[str]]


@st.composite
def plants(draw: Callable[..., object]) -> Plant:
    """One secret-bearing fragment of a real shape, and the values it must lose."""
    user, password, host = draw(users), draw(passwords), draw(hosts)
    port, db, ip = draw(ports), draw(databases), draw(ips)
    quoted = urllib.parse.quote(password, safe="")
    shapes: list[Plant] = [
        (f"postgresql://{user}:{quoted}@{host}:{port}/{db}", [user, password, host, port, db]),
        (
            f"host={host} port={port} dbname={db} user={user} password={password}",
            [host, port, db, user, password],
        ),
        (
            f'connection to server at "{host}" ({ip}), port {port} failed: FATAL:  '
            f'password authentication failed for user "{user}"',
            [host, ip, port, user],
        ),
        (f"(1045, \"Access denied for user '{user}'@'{ip}' (using password: YES)\")", [user, ip]),
        (f"Error 111 connecting to {host}:{port}. Connection refused.", [host, port]),
        (
            f"{{'password': '{password}', 'host': '{host}', 'user': '{user}'}}",
            [password, host, user],
        ),
        (
            f"Server=tcp:{host},{port};Database={db};User Id={user};Password={password};",
            [host, port, db, user, password],
        ),
        (f"PASSWORD: {password}", [password]),
        (f"export DB_PASSWORD='{password}'", [password]),
        (f"Authorization: Bearer {draw(tokens)}", []),
        (f"key rejected: {(tok := draw(tokens))}", [tok]),
        (f'  File "/home/{user}/src/app.py", line 3, in main', [user]),
        (f"mail from {(mail := draw(emails))} refused", [mail]),
        (f"HTTPSConnectionPool(host='{host}', port={port}): Max retries", [host, port]),
        (f"peer {ip} reset the connection", [ip]),
    ]
    return draw(st.sampled_from(shapes))


anything = st.text(st.characters(exclude_categories=[]), max_size=200)
prose = _text(string.ascii_letters + string.digits + " ,.;()[]!?-_/", 0, 80)


def _visible(out: str) -> str:
    return PLACEHOLDER.sub(" ", out)


# ---------------------------------------------------------------- properties


@SETTINGS
@given(plants(), anything, anything)
def test_planted_secrets_are_removed_from_any_surroundings(
    plant: Plant, before: str, after: str
) -> None:
    """A secret of any family, between lines of arbitrary text, never survives."""
    fragment, secrets = plant
    assume(not any(s.lower() in (before + after).lower() for s in secrets))
    out = scrub(f"{before}\n{fragment}\n{after}")
    assert leaks(_visible(out), secrets) == []


@SETTINGS
@given(plants(), prose, prose)
def test_planted_secrets_are_removed_inside_a_line(plant: Plant, before: str, after: str) -> None:
    """A secret of any family inside a line of prose, between spaces, never survives."""
    fragment, secrets = plant
    assume(not any(s.lower() in (before + after).lower() for s in secrets))
    out = scrub(f"Error: {before} {fragment} {after}")
    assert leaks(_visible(out), secrets) == []


@SETTINGS
@given(anything)
def test_redaction_never_raises_and_is_idempotent_on_any_text(text: str) -> None:
    """Any str -- lone surrogates, NUL, control characters -- redacts, and twice is once."""
    once = scrub(text)
    assert isinstance(once, str)
    assert scrub(once) == once


@SETTINGS
@given(st.lists(plants(), min_size=1, max_size=4), st.lists(prose, max_size=4))
def test_redaction_is_idempotent_on_secret_laden_text(found: list[Plant], lines: list[str]) -> None:
    """Redacting a redacted report changes nothing, however many secrets it held."""
    text = "\n".join([fragment for fragment, _ in found] + lines)
    once = scrub(text)
    assert scrub(once) == once


modules = st.lists(labels, min_size=2, max_size=4).map(".".join)
versions = st.builds(
    lambda a, b, c: f"{a}.{b}.{c}", st.integers(0, 30), st.integers(0, 99), st.integers(0, 99)
)
hexes = _text("0123456789abcdef", 12, 12).map(lambda h: "0x7f" + h)
digests = _text("0123456789abcdef", 64, 64)
uuids = st.uuids().map(str)
lines = st.integers(1, 9999).map(lambda n: f"line {n}")
docs = st.sampled_from(
    [
        "https://docs.python.org/3/library/os.html",
        "https://sqlalche.me/e/20/e3q8",
        "https://www.postgresql.org/docs/",
    ]
)


@SETTINGS
@given(
    modules,
    versions,
    hexes,
    digests,
    uuids,
    lines,
    docs,
    st.sampled_from(["localhost", "127.0.0.1"]),
)
def test_what_helps_a_developer_is_kept(
    module: str, version: str, address: str, digest: str, uuid: str, line: str, doc: str, local: str
) -> None:
    """Module paths, versions, hex addresses, digests, UUIDs, line numbers, docs URLs and
    loopback names survive verbatim in a traceback."""
    text = (
        "Traceback (most recent call last):\n"
        f'  File "/srv/app/{module.split(".")[0]}.py", {line}, in run\n'
        f"    obj = <{module}.Client object at {address}>\n"
        f"{module}.Error: request {uuid} (sha256 {digest}) failed on {local} "
        f"with version {version}; see {doc}\n"
    )
    out = scrub(text)
    for keep in (module, version, address, digest, uuid, line, doc, local):
        assert keep in out, keep
