"""Hosts, addresses and ports wherever they stand (crashreport.redact.network)."""

from __future__ import annotations

import pytest

from fixtures.redaction_samples import leaks, scrub
from fixtures.secrets import (
    DB_HOST,
    DB_IP,
    DB_PORT,
    IPV6,
)


@pytest.mark.parametrize(
    "address",
    [DB_IP, "10.0.0.1", "192.168.1.20", "172.31.255.4", IPV6, "2001:db8:85a3::8a2e:370:7334"],
)
def test_ip_addresses_anywhere(address: str) -> None:
    """IPv4 and IPv6 addresses are removed in free text."""
    assert address not in scrub(f"peer {address} closed the connection")


def test_ipv6_with_brackets_zone_and_port() -> None:
    """``[v6]:port``, ``v6%zone`` and socket tuples with flow info and scope."""
    out = scrub(f"tried [{IPV6}]:45432, fe80::1ff:fe23:4567%eth0 and ('{IPV6}', 45432, 0, 2)")
    assert leaks(out, [IPV6, "fe80::1ff:fe23:4567", "45432"]) == []


@pytest.mark.parametrize(
    "text",
    [
        "listening on 127.0.0.1:8000 and localhost:5432",
        "bound to 0.0.0.0 and ::1",
        "python 3.11.7, numpy 1.26.4, version 2.0.0.1",
        "slice a[::2] and std::vector and DB::Exception",
        "at 12:20:41,629 ERROR",
        "line 12, in connect",
    ],
)
def test_loopback_versions_times_and_code_are_kept(text: str) -> None:
    """Loopback addresses, versions, times, slices and C++ scopes are not addresses."""
    assert scrub(text) == text


@pytest.mark.parametrize(
    "host",
    [
        DB_HOST,
        "ingress-orders-08.priv.example.org",
        "kv-quotes-21.cluster.blueharbor.net",
        "db-3.lan",
    ],
)
def test_host_names_in_free_text(host: str) -> None:
    """Fully qualified names with real or internal domains go, wherever they are."""
    assert host not in scrub(f"retrying {host} in 5 seconds")


@pytest.mark.parametrize(
    "text",
    [
        "sqlalchemy.engine.base.Engine",
        "File models.py, in self.app.run",
        "logging.info and threading.local() and os.path.join",
        "settings.prod is missing",
    ],
)
def test_python_names_are_kept(text: str) -> None:
    """Dotted Python names, file names and calls are not host names."""
    assert scrub(text) == text


def test_names_with_a_port() -> None:
    """``name-with-dash:port`` and ``name07:port`` are hosts with ports."""
    out = scrub("broker kafka-eu-1:29092 and ledgerdb07:41433 down")
    assert leaks(out, ["kafka-eu-1", "ledgerdb07", "29092", "41433"]) == []


def test_a_port_in_prose() -> None:
    """``port 48213 failed`` loses the port, ``report 2024`` keeps its number."""
    assert scrub(f"port {DB_PORT} failed; report 2024") == "port <port> failed; report 2024"


def test_names_of_any_script_windows_machines_and_grpc_ports() -> None:
    """IDN hosts, the names Windows gives a machine, and gRPC's ``host:port:`` go."""
    clean = scrub(
        "host = 'datenbank.müller-gmbh.de'\n"
        "Can't create a connection to host datenbank.müller-gmbh.de and port 45321\n"
        "'X-Machine': 'LAPTOP-7QK2M1', built on DESKTOP-AB12CD3\n"
        "errors resolving ledger-grpc.internal:50443: timeout"
    )
    assert (
        leaks(clean, ["müller", "LAPTOP-7QK2M1", "DESKTOP-AB12CD3", "ledger-grpc", "50443"]) == []
    )
    assert "errors resolving" in clean


def test_a_modules_class_is_no_host() -> None:
    """``consul.std.Consul`` (a module and its class) stays; ``db.corp.internal`` goes."""
    assert scrub("<consul.std.Consul object at 0x7f> on db.corp.internal") == (
        "<consul.std.Consul object at 0x7f> on <host-1>"
    )
