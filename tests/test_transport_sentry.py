"""The Sentry envelope transport: DSNs, the event built from the shown payload only,
envelopes that sentry-sdk's own parser reads, rate limits against a real server on
127.0.0.1 -- and a real Bugsink that stores what we send, without a planted secret."""

from __future__ import annotations

import gzip
import json
import os
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sentry_sdk.envelope import Envelope

from crashreport.consent import consented_from_outbox
from crashreport.payload import Payload
from crashreport.report import Environment, ExceptionInfo, Frame, Report
from crashreport.transport import Destination
from crashreport.transport.event import event, event_id
from crashreport.transport.sentry import SentryTransport, envelope, parse_dsn, rate_limit
from fixtures import secrets
from fixtures.servers import Answer, FlakyServer
from tests.conftest import CRASHER, consented, spawn

Flaky = Callable[..., FlakyServer]


def sentry(dsn: str, timeout: float = 5.0) -> SentryTransport:
    return SentryTransport(
        Destination(dsn=dsn, product="fixture-app", version="1.0"), timeout=timeout
    )


def parse(raw: bytes) -> Envelope:
    """sentry-sdk's parser, plus the two checks it is lenient about (one event item,
    each item's length exact)."""
    parsed = Envelope.deserialize(raw)
    assert [item.type for item in parsed.items] == ["event"]
    header_line, item_line, payload, tail = raw.split(b"\n", 3)
    assert tail == b""
    assert json.loads(item_line)["length"] == len(payload)
    assert json.loads(header_line) == parsed.headers
    return parsed


# ---------------------------------------------------------------- DSN


def test_a_dsn_gives_key_project_and_envelope_url() -> None:
    """KEY@host:port/ID becomes the envelope URL /api/ID/envelope/ and the auth key."""
    dsn = parse_dsn("https://abc123@o1.ingest.example.org:8443/42")
    assert dsn.key == "abc123"
    assert dsn.secret is None
    assert dsn.project == "42"
    assert dsn.envelope_url == "https://o1.ingest.example.org:8443/api/42/envelope/"
    auth = dsn.auth_header()
    assert auth.startswith("Sentry sentry_version=7, sentry_client=crashreport/")
    assert auth.endswith("sentry_key=abc123")


def test_a_dsn_with_a_path_prefix_and_a_legacy_secret() -> None:
    """A self-hosted prefix stays in the URL; a legacy secret goes to the auth header."""
    dsn = parse_dsn("http://pub:priv@127.0.0.1:9000/sentry/7")
    assert dsn.envelope_url == "http://127.0.0.1:9000/sentry/api/7/envelope/"
    assert dsn.auth_header().endswith("sentry_key=pub, sentry_secret=priv")


@pytest.mark.parametrize(
    "bad",
    ["https://example.org/1", "https://key@example.org/", "https://key@example.org/x", "nope"],
)
def test_an_invalid_dsn_is_refused_without_a_request(bad: str) -> None:
    """No key, no numeric project, no URL: send refuses, naming the problem, and opens
    nothing."""
    delivery = sentry(bad).send(consented())
    assert not delivery.delivered
    assert not delivery.retry
    assert delivery.attempts == 0
    assert delivery.detail.startswith("refused to send: ")


# ---------------------------------------------------------------- the event


def test_the_envelope_is_read_by_sentry_sdks_own_parser() -> None:
    """Header, item header and event parse with Envelope.deserialize; the event carries
    the exception, frames, platform, release, environment, timestamp and event id."""
    report = consented(capture_locals=True)
    data = report.payload.data()
    parsed = parse(envelope(report.payload))
    assert parsed.headers["event_id"] == uuid.UUID(report.report_id).hex
    assert parsed.headers["sdk"]["name"] == "crashreport"
    [item] = parsed.items
    assert item.data_category == "error"
    sent = item.get_event()
    assert sent is not None
    assert sent["event_id"] == uuid.UUID(report.report_id).hex
    assert sent["platform"] == "python"
    assert sent["release"] == "fixture-app@1.0"
    assert sent["environment"] == "production"
    assert sent["timestamp"] == data["time"]
    assert sent["level"] == "fatal"
    [value] = sent["exception"]["values"]
    assert value["type"] == "RuntimeError"
    assert value["value"] == data["exception"]["message"]
    mechanism = value["mechanism"]
    assert (mechanism["type"], mechanism["handled"], mechanism["exception_id"]) == (
        "excepthook", False, 0,
    )  # fmt: skip
    frames = value["stacktrace"]["frames"]
    assert [f["function"] for f in frames] == [f["function"] for f in data["exception"]["frames"]]
    assert frames[-1]["lineno"] == data["exception"]["frames"][-1]["line"]
    assert frames[-1]["vars"] == data["exception"]["frames"][-1]["locals"]
    assert "attempt" in frames[-1]["vars"]


def test_the_payload_digest_travels_with_the_event() -> None:
    """The SHA-256 of the payload the user saw is a tag and an extra of the event."""
    report = consented()
    sent = parse(envelope(report.payload)).get_event()
    assert sent is not None
    assert sent["tags"]["crashreport.digest"] == f"sha256:{report.payload.digest}"
    assert sent["extra"]["crashreport"]["digest"] == f"sha256:{report.payload.digest}"
    assert sent["extra"]["crashreport"]["report_id"] == report.report_id


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, dict):  # the values (field names become Sentry's names)
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    elif value is not None:
        yield str(value)


def test_every_shown_value_is_in_the_event_and_nothing_of_this_machine_is_added() -> None:
    """Each string of the payload reaches the event; the host name, user and working
    directory of this process, which the payload does not hold, never do."""
    report = consented(capture_locals=True)
    data = report.payload.data()
    raw = envelope(report.payload).decode("utf-8")
    sent = json.dumps(parse(raw.encode()).get_event(), ensure_ascii=False)
    for text in _leaves(data):
        assert json.dumps(text, ensure_ascii=False)[1:-1] in sent, text
    shown = report.payload.body.decode("utf-8")
    for local in (socket.gethostname(), os.getcwd()):
        if local not in shown:
            assert local not in raw


def test_the_event_is_a_pure_function_of_the_payload() -> None:
    """The same payload always makes the same event (only the envelope's sent_at varies)."""
    report = consented()
    first = envelope(report.payload, sent_at="2026-01-01T00:00:00Z")
    time.sleep(0.01)
    assert envelope(report.payload, sent_at="2026-01-01T00:00:00Z") == first
    assert event(report.payload.data(), digest="d") == event(report.payload.data(), digest="d")


def test_chains_and_groups_are_linked_the_way_sentry_links_them() -> None:
    """A group of two, raised from a cause: four values, the raised group last, each
    member and the cause pointing at their parent by exception_id."""
    leaf = ExceptionInfo(type="ValueError", message="bad row")
    group = ExceptionInfo(
        type="ExceptionGroup",
        message="2 failed",
        exceptions=(leaf, ExceptionInfo(type="KeyError", message="'k'")),
        cause=ExceptionInfo(type="OSError", message="disk"),
        link="cause",
    )
    values = event(_report(group), digest="d")["exception"]["values"]
    assert [v["type"] for v in values] == ["OSError", "KeyError", "ValueError", "ExceptionGroup"]
    top = values[-1]["mechanism"]
    assert top["exception_id"] == 0
    assert top["is_exception_group"] is True
    by_type = {v["type"]: v["mechanism"] for v in values}
    assert by_type["ValueError"] == {
        "type": "chained", "source": "exceptions[0]", "parent_id": 0, "exception_id": 1,
    }  # fmt: skip
    assert by_type["KeyError"]["source"] == "exceptions[1]"
    assert by_type["OSError"]["source"] == "__cause__"
    assert by_type["OSError"]["parent_id"] == 0


def test_notes_extras_and_what_was_cut_are_kept() -> None:
    """Notes join the value as Python prints them; omitted frames and column ranges go to
    mechanism data; a comment to extra."""
    info = ExceptionInfo(
        type="RuntimeError",
        message="boom",
        notes=("while saving",),
        frames=(Frame(file="app.py", line=3, function="f", source="f()", column=0, end_column=3),),
        omitted_frames=7,
    )
    sent = event(_report(info, comment="it happens on Mondays"), digest="d")
    [value] = sent["exception"]["values"]
    assert value["value"] == "boom\nwhile saving"
    assert value["mechanism"]["data"]["omitted_frames"] == 7
    assert value["mechanism"]["data"]["frames"]["0"] == {"column": 0, "end_column": 3}
    assert sent["extra"]["crashreport"]["comment"] == "it happens on Mondays"


def _report(info: ExceptionInfo, comment: str = "", mechanism: str = "excepthook") -> Any:
    report = Report(
        id=str(uuid.uuid4()),
        time="2026-11-25T12:00:00+00:00",
        product="fixture-app",
        version="1.0",
        mechanism=mechanism,
        environment=Environment("Linux", "x86_64", "CPython", "3.11.7"),
        exception=info,
        comment=comment,
    )
    return report.to_dict()


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
frames = st.builds(
    Frame,
    file=texts,
    line=st.none() | st.integers(0, 10**7),
    function=texts,
    source=texts,
    locals=st.lists(st.tuples(texts, texts), max_size=3).map(tuple),
)
exceptions = st.recursive(
    st.builds(
        ExceptionInfo,
        type=texts.filter(bool),
        message=texts,
        frames=st.lists(frames, max_size=3).map(tuple),
        notes=st.lists(texts, max_size=2).map(tuple),
    ),
    lambda inner: st.builds(
        ExceptionInfo,
        type=texts.filter(bool),
        message=texts,
        cause=st.none() | inner,
        link=st.sampled_from(["cause", "context"]),
        exceptions=st.lists(inner, max_size=3).map(tuple),
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    info=exceptions,
    comment=texts,
    mechanism=st.sampled_from(["excepthook", "thread", "guard", "report_exception"]),
)
def test_every_report_shape_makes_an_envelope_sentry_sdk_parses(
    info: ExceptionInfo, comment: str, mechanism: str
) -> None:
    """Any exception tree, with any text in it, becomes one well-framed event that
    sentry-sdk's parser reads back equal to what we built."""
    data = _report(info, comment, mechanism)
    payload = Payload.from_data(data)
    raw = envelope(payload)
    parsed = parse(raw)
    assert parsed.get_event() == event(payload.data(), digest=payload.digest)
    values = parsed.get_event()["exception"]["values"]  # type: ignore[index]
    assert values[-1]["type"] == info.type
    assert values[-1]["mechanism"]["handled"] is (mechanism == "report_exception")


def test_an_outbox_body_that_is_not_a_report_is_refused() -> None:
    """A payload that is not a report cannot become an event: refused, never sent."""
    delivery = sentry("http://k@127.0.0.1:9/1").send(
        consented_from_outbox(Payload("abc", b'{"id": "abc"}'))
    )
    assert not delivery.delivered
    assert delivery.attempts == 0
    assert "not a report" in delivery.detail


# ---------------------------------------------------------------- against a real server


def test_the_envelope_goes_to_the_project_endpoint_with_the_auth_header(flaky: Flaky) -> None:
    """POST /api/<id>/envelope/ with X-Sentry-Auth, the envelope content type, our User-Agent
    and the report id as Idempotency-Key; large envelopes go gzipped."""
    server = flaky(path="/")
    dsn = f"http://publickey@127.0.0.1:{server.port}/42"
    small, large = consented(), consented("the ledger is locked " * 600)
    assert sentry(dsn).send(small).delivered
    assert sentry(dsn).send(large).delivered
    first, second = server.requests
    assert first.path == "/api/42/envelope/"
    assert first.headers["x-sentry-auth"].endswith("sentry_key=publickey")
    assert first.headers["content-type"] == "application/x-sentry-envelope"
    assert first.headers["user-agent"].endswith("(fixture-app/1.0)")
    assert first.headers["idempotency-key"] == small.report_id
    assert "content-encoding" not in first.headers
    assert parse(first.body).get_event()["event_id"] == uuid.UUID(small.report_id).hex  # type: ignore[index]
    assert second.headers["content-encoding"] == "gzip"
    assert parse(gzip.decompress(second.raw)).get_event() is not None


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("60::key", 60.0),
        ("30:error:organization", 30.0),
        ("10:transaction;span:organization, 20:error;default:key", 20.0),
        ("86400:transaction;span:organization", None),
        ("junk, 5", 5.0),
        ("", None),
    ],
)
def test_rate_limit_headers_are_read_for_errors(header: str, wait: float | None) -> None:
    """X-Sentry-Rate-Limits: an empty category list means all; other categories don't
    limit our events."""
    assert rate_limit(header) == wait


def test_a_rate_limit_is_waited_out_before_the_next_try(flaky: Flaky) -> None:
    """429 with X-Sentry-Rate-Limits: 1::key, then 200: the second request comes no sooner
    than a second later, and delivers."""
    server = flaky([Answer(429, {"X-Sentry-Rate-Limits": "1::key"})], path="/")
    started = time.monotonic()
    delivery = sentry(f"http://k@127.0.0.1:{server.port}/1").send(consented())
    assert delivery.delivered
    assert delivery.attempts == 2
    assert time.monotonic() - started >= 0.95


def test_a_long_rate_limit_ends_the_try_and_is_kept_for_later(flaky: Flaky) -> None:
    """Asked to wait 60 s with 3 s of budget: one request, and the 60 s come back with
    the failure (the outbox then waits that long)."""
    server = flaky(then=Answer(429, {"X-Sentry-Rate-Limits": "60:error:key"}), path="/")
    delivery = sentry(f"http://k@127.0.0.1:{server.port}/1", timeout=3).send(consented())
    assert not delivery.delivered
    assert delivery.retry
    assert delivery.retry_after == 60
    assert delivery.attempts == 1
    assert "rate limited" in delivery.detail


def test_a_429_without_a_delay_waits_sentrys_default_minute(flaky: Flaky) -> None:
    """A bare 429 from a Sentry server means "wait 60 s", as Sentry's SDKs read it."""
    server = flaky(then=429, path="/")
    delivery = sentry(f"http://k@127.0.0.1:{server.port}/1", timeout=2).send(consented())
    assert delivery.retry_after == 60
    assert delivery.attempts == 1


# ---------------------------------------------------------------- Bugsink


def _planted_report() -> Any:
    """A report of a database crash whose message and locals hold every planted secret."""
    from crashreport.capture import capture
    from crashreport.redact import redact
    from crashreport.render import payload

    def connect() -> None:
        password = secrets.DB_PASSWORD  # noqa: F841 - read by capture_locals
        database_url = secrets.DSN  # noqa: F841
        raise ConnectionError(secrets.DRIVER_MESSAGE)

    try:
        connect()
    except ConnectionError as exc:
        report = capture(
            exc, product="fixture-app", version="1.0", mechanism="excepthook", capture_locals=True
        )
    return consented_from_outbox(payload(redact(report)))


def _assert_clean(text: str) -> None:
    lowered = text.lower()
    for value in secrets.PLANTED:
        assert value.lower() not in lowered, f"planted secret {value!r} reached the server"


def _stored(bugsink: Any, report_id: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        stored = bugsink.event(event_id(report_id))
        if stored is not None or time.monotonic() > deadline:
            return stored
        time.sleep(0.2)


def test_bugsink_stores_a_consented_report_with_its_exception_and_frames(bugsink: Any) -> None:
    """Through the Sentry transport, a real Bugsink (strict schema validation) stores the
    event: type, message, frames -- and no planted secret anywhere in it."""
    report = _planted_report()
    data = report.payload.data()
    delivery = sentry(bugsink.dsn, timeout=30).send(report)
    assert delivery.delivered, delivery.detail
    stored = _stored(bugsink, report.report_id)
    assert stored is not None, bugsink.log_tail()
    assert uuid.UUID(stored["event_id"]) == uuid.UUID(report.report_id)
    [value] = stored["data"]["exception"]["values"]
    assert value["type"] == "ConnectionError" == data["exception"]["type"]
    assert value["value"] == data["exception"]["message"]
    functions = [f["function"] for f in value["stacktrace"]["frames"]]
    assert functions == [f["function"] for f in data["exception"]["frames"]]
    assert functions[-1].endswith("connect")
    assert "ConnectionError" in stored["stacktrace_md"]
    assert stored["data"]["tags"]["crashreport.digest"] == f"sha256:{report.payload.digest}"
    _assert_clean(json.dumps(stored, ensure_ascii=False))


def test_bugsink_keeps_the_envelope_byte_for_byte_as_built_from_the_payload(bugsink: Any) -> None:
    """The raw envelope Bugsink kept is one we built from the payload alone: its event is
    exactly ``event(payload.data(), digest)``."""
    report = consented("a second report, for the envelope store")
    assert sentry(bugsink.dsn, timeout=30).send(report).delivered
    mine = [
        parse(raw).get_event()
        for raw in bugsink.stored_envelopes()
        if json.loads(raw.split(b"\n", 1)[0])["event_id"] == uuid.UUID(report.report_id).hex
    ]
    assert mine == [event(report.payload.data(), digest=report.payload.digest)]


def test_a_report_sent_twice_is_stored_once(bugsink: Any) -> None:
    """A delivery repeated (a retry whose first answer was lost) counts once: the event id
    is the report id."""
    report = consented("sent twice, stored once")
    for _ in range(2):
        assert sentry(bugsink.dsn, timeout=30).send(report).delivered
    assert _stored(bugsink, report.report_id) is not None
    issues = bugsink.api(f"/api/canonical/0/issues/?project={bugsink.info['project_id']}")
    [issue] = [i for i in issues["results"] if i["calculated_value"].startswith("sent twice")]
    assert (issue["digested_event_count"], issue["stored_event_count"]) == (1, 1)
    events = bugsink.api(f"/api/canonical/0/events/?issue={issue['id']}")["results"]
    assert [uuid.UUID(e["event_id"]) for e in events] == [uuid.UUID(report.report_id)]


def test_bugsink_accepts_chains_and_groups(bugsink: Any) -> None:
    """A chained exception group passes Bugsink's strict schema and is stored whole."""
    try:
        try:
            raise OSError("disk full")
        except OSError as cause:
            raise ExceptionGroup("2 writers failed", [ValueError("a"), KeyError("b")]) from cause
    except ExceptionGroup as exc:
        from crashreport.capture import capture
        from crashreport.redact import redact
        from crashreport.render import payload

        report = consented_from_outbox(
            payload(redact(capture(exc, product="p", version="1", mechanism="guard")))
        )
    assert sentry(bugsink.dsn, timeout=30).send(report).delivered
    stored = _stored(bugsink, report.report_id)
    assert stored is not None, bugsink.log_tail()
    types = [v["type"] for v in stored["data"]["exception"]["values"]]
    assert sorted(types) == ["ExceptionGroup", "KeyError", "OSError", "ValueError"]


def test_a_crash_consented_in_a_terminal_reaches_bugsink_clean(
    bugsink: Any, clean_env: dict[str, str], tmp_path: Path
) -> None:
    """End to end with CRASHREPORT_DSN: a real crash, the real prompt in a pty, "Send
    report" -- and Bugsink holds that report, with none of the planted secrets."""
    env = {**clean_env, "CRASHREPORT_DSN": bugsink.dsn, "CRASHREPORT_SEND_TIMEOUT": "30",
           "CRASHREPORT_OUTBOX_DIR": str(tmp_path / "outbox")}  # fmt: skip
    env.pop("FIXTURE_ENDPOINT", None)
    child = spawn([sys.executable, str(CRASHER)], env, timeout=90)
    child.expect(r"crash report ([0-9a-f-]{36})")
    report_id = child.match.group(1)
    child.expect("Send this crash report")
    child.send("\x1b[A\r")  # up to "Send report", Enter
    child.expect("sent to 127.0.0.1")
    child.expect(pexpect.EOF)
    child.close()
    stored = _stored(bugsink, report_id)
    assert stored is not None, bugsink.log_tail()
    [value] = stored["data"]["exception"]["values"]
    assert value["type"].endswith("OperationalError")
    assert value["stacktrace"]["frames"][-1]["function"] == "connect"
    _assert_clean(json.dumps(stored, ensure_ascii=False))


def test_the_sentry_transport_refuses_anything_but_a_consented_report() -> None:
    """Handing the Sentry transport a bare payload sends nothing and says why."""
    server = FlakyServer(path="/api/7/envelope/")
    try:
        dsn = f"http://abc123@127.0.0.1:{server.port}/7"
        delivery = sentry(dsn).send(consented().payload)  # type: ignore[arg-type]
        assert not delivery.delivered
        assert "only a consented report is sent" in delivery.detail
        assert server.requests == []
    finally:
        server.close()
