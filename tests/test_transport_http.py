"""The JSON transport against real servers on 127.0.0.1: the headers it promises,
gzip, plain-http refusal, TLS verification, redirects, timeouts and the size cap."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from crashreport import __version__
from crashreport.consent import consented_from_outbox
from crashreport.payload import Payload
from crashreport.transport import Destination
from crashreport.transport.http import (
    GZIP_ABOVE,
    MAX_BODY_BYTES,
    JsonTransport,
    classify_response,
    post,
    refuse_url,
    retry_after_header,
)
from fixtures.servers import DRIP, HANG, Answer, FlakyServer
from tests.conftest import ROOT, consented

Flaky = Callable[..., FlakyServer]


def transport(url: str, timeout: float = 5.0) -> JsonTransport:
    return JsonTransport(
        Destination(endpoint=url, product="fixture-app", version="1.0"), timeout=timeout
    )


def test_a_post_carries_every_promised_header(flaky: Flaky) -> None:
    """One POST of exactly the payload bytes, with Content-Type, User-Agent,
    Idempotency-Key (the report id) and the digest of the body."""
    server = flaky()
    report = consented()
    delivery = transport(server.url).send(report)
    assert delivery.delivered
    assert delivery.attempts == 1
    [request] = server.requests
    assert request.method == "POST"
    assert request.path == "/v1/reports"
    assert request.raw == report.payload.body  # small: sent as is, not compressed
    headers = request.headers
    assert headers["content-type"] == "application/json"
    assert "content-encoding" not in headers
    assert headers["user-agent"] == f"crashreport/{__version__} (fixture-app/1.0)"
    assert headers["idempotency-key"] == report.report_id
    digest = hashlib.sha256(request.body).hexdigest()
    assert (
        headers["x-crashreport-digest"] == f"sha256={digest}" == f"sha256={report.payload.digest}"
    )


def test_a_large_report_goes_gzipped_with_the_digest_of_the_uncompressed_body(
    flaky: Flaky,
) -> None:
    """Above GZIP_ABOVE bytes the body is gzip with Content-Encoding; the digest and
    the decompressed bytes are those of the payload the user saw."""
    server = flaky()
    report = consented("the ledger is locked " * 400)
    assert len(report.payload.body) > GZIP_ABOVE
    assert transport(server.url).send(report).delivered
    [request] = server.requests
    assert request.headers["content-encoding"] == "gzip"
    assert len(request.raw) < len(report.payload.body)
    assert gzip.decompress(request.raw) == report.payload.body
    assert request.headers["x-crashreport-digest"] == f"sha256={report.payload.digest}"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://crash.example.org/v1", True),
        ("http://127.0.0.1:9/v1", True),
        ("http://localhost:9/v1", True),
        ("http://[::1]:9/v1", True),
        ("http://crash.example.org/v1", False),
        ("http://10.0.0.8/v1", False),
        ("ftp://crash.example.org/v1", False),
        ("not a url", False),
    ],
)
def test_plain_http_is_allowed_only_to_loopback(url: str, allowed: bool) -> None:
    """``refuse_url`` lets https anywhere and http only to this machine through."""
    assert (refuse_url(url) is None) is allowed


def test_plain_http_elsewhere_is_refused_without_opening_a_socket(tmp_path: Path) -> None:
    """A destination read back from disk with http:// to another host is refused by the
    transport itself: no request, no socket (an audit hook in a real process watches)."""
    log = tmp_path / "sockets.log"
    code = f"""
import sys
def audit(event, args):
    if event in ("socket.connect", "socket.getaddrinfo"):
        with open({str(log)!r}, "a") as f: f.write(event + "\\n")
sys.addaudithook(audit)
from tests.conftest import consented
from crashreport.transport import Destination
from crashreport.transport.http import JsonTransport
d = JsonTransport(Destination(endpoint="http://crash.example.org/v1"), timeout=5).send(consented())
print(d.delivered, d.attempts, d.detail)
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("False 0 refused to send to crash.example.org")
    assert "only allowed to loopback" in done.stdout
    assert not log.exists()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return cert, key


def _tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def test_tls_verification_refuses_an_untrusted_certificate(
    flaky: Flaky, certificate: tuple[Path, Path]
) -> None:
    """An HTTPS server whose certificate nobody vouches for gets nothing: the request
    never leaves the TLS handshake."""
    server = flaky(tls=_tls(certificate))
    delivery = transport(server.url, timeout=2).send(consented())
    assert not delivery.delivered
    assert delivery.retry
    assert "certificate" in delivery.detail.lower()
    assert server.requests == []


def test_tls_to_a_trusted_certificate_delivers(
    flaky: Flaky, certificate: tuple[Path, Path]
) -> None:
    """Trusting the certificate (SSL_CERT_FILE, in a real process) is enough to deliver
    over HTTPS: verification is on, not broken."""
    server = flaky(tls=_tls(certificate))
    code = f"""
from tests.conftest import consented
from crashreport.transport import Destination
from crashreport.transport.http import JsonTransport
print(JsonTransport(Destination(endpoint={server.url!r}), timeout=10).send(consented()).delivered)
"""
    env = {**os.environ, "SSL_CERT_FILE": str(certificate[0])}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "True", done.stderr
    assert len(server.delivered) == 1


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_never_followed(flaky: Flaky, status: int) -> None:
    """A redirect to another host is not followed (that host gets nothing), and is not
    retried: the detail says where it pointed."""
    elsewhere = flaky(host="127.0.0.2")
    server = flaky(then=Answer(status, {"Location": elsewhere.url}))
    delivery = transport(server.url).send(consented())
    assert not delivery.delivered
    assert not delivery.retry
    assert delivery.status == status
    assert delivery.attempts == 1
    assert f"redirect to {elsewhere.url} not followed" in delivery.detail
    assert len(server.requests) == 1
    assert elsewhere.requests == []


def test_a_report_over_the_size_cap_is_refused_with_a_clear_message(flaky: Flaky) -> None:
    """A body over MAX_BODY_BYTES is never sent; the message gives both sizes."""
    server = flaky()
    body = json.dumps({"id": "0" * 8, "blob": "x" * (MAX_BODY_BYTES + 10)}).encode()
    delivery = transport(server.url).send(consented_from_outbox(Payload("0" * 8, body)))
    assert not delivery.delivered
    assert not delivery.retry
    assert delivery.attempts == 0
    size = len(body)
    assert f"is {size:,} bytes, over the limit of 1,048,576 bytes (1 MiB)" in delivery.detail
    assert server.requests == []


def test_the_connect_timeout_bounds_a_server_that_never_accepts() -> None:
    """A server whose accept queue is full never completes the handshake: the try
    ends after the connect timeout, as a failure worth retrying."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port), timeout=5)  # fills the queue
    try:
        started = time.monotonic()
        delivery = post(f"http://127.0.0.1:{port}/v1", b"{}", {}, timeout=1.0)
        elapsed = time.monotonic() - started
    finally:
        filler.close()
        listener.close()
    assert not delivery.delivered
    assert delivery.retry
    assert "could not connect within 1 s" in delivery.detail
    assert 0.9 <= elapsed < 5


@pytest.mark.parametrize("how", [HANG, DRIP])
def test_the_total_timeout_bounds_a_server_that_never_finishes(flaky: Flaky, how: str) -> None:
    """A server that never answers, or answers one byte at a time, costs one try of at
    most the timeout (plus a little), reported as worth retrying."""
    server = flaky(then=how)
    started = time.monotonic()
    delivery = post(server.url, b"{}", {}, timeout=1.5)
    elapsed = time.monotonic() - started
    assert not delivery.delivered
    assert delivery.retry
    assert 1.4 <= elapsed < 4
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("status", "retry"),
    [(200, False), (201, False), (202, False), (408, True), (425, True), (429, True),
     (500, True), (502, True), (503, True), (400, False), (401, False), (403, False),
     (404, False), (409, False), (413, False), (422, False)],
)  # fmt: skip
def test_each_status_is_classified_once_and_for_all(status: int, retry: bool) -> None:
    """2xx delivers; 408, 425, 429 and 5xx are worth retrying; any other 4xx says the
    report is wrong for this server and is never retried."""
    delivery = classify_response(httpx.Response(status), "said why")
    assert delivery.delivered is (200 <= status < 300)
    assert delivery.retry is retry
    assert delivery.status == status
    if 400 <= status < 500 and not retry:
        assert delivery.detail.endswith(": said why")


def test_413_says_the_report_is_too_large() -> None:
    """A 413 tells the user the server found the report too large."""
    assert "too large" in classify_response(httpx.Response(413)).detail


def test_retry_after_is_read_as_seconds_or_as_a_date() -> None:
    """Retry-After in seconds or as an HTTP date becomes seconds; junk is ignored."""
    assert retry_after_header("7") == 7.0
    assert retry_after_header("-3") == 0.0
    assert retry_after_header(None) is None
    assert retry_after_header("soon") is None
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 120))
    seconds = retry_after_header(future)
    assert seconds is not None
    assert 100 < seconds <= 121


def test_the_json_transport_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever goes wrong inside (here: httpx itself breaks), send returns a Delivery."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("httpx broke")

    monkeypatch.setattr(httpx, "Client", broken)
    delivery = transport("http://127.0.0.1:9/v1", timeout=1).send(consented())
    assert not delivery.delivered
    assert "internal error (RuntimeError: httpx broke)" in delivery.detail


def test_anything_but_a_consented_report_is_refused_before_any_request(flaky: Flaky) -> None:
    """A payload, or any object that merely has a `payload`, is refused at run time too:
    the server receives nothing."""
    server = flaky()
    report = consented()

    class LooksLikeAReport:
        payload = report.payload
        report_id = report.report_id

    for impostor in (report.payload, LooksLikeAReport()):
        delivery = transport(server.url).send(impostor)  # type: ignore[arg-type]
        assert not delivery.delivered
        assert delivery.attempts == 0
        assert "only a consented report is sent" in delivery.detail
    assert server.requests == []
