"""Which hosts and addresses identify a customer (crashreport.redact.hosts)."""

from __future__ import annotations

import pytest

from crashreport.redact.hosts import host_kind, ip_kind, is_public_host, looks_like_fqdn
from fixtures.secrets import HOSTS, IPV6, PRIVATE_IPS


@pytest.mark.parametrize("host", HOSTS)
def test_customer_hosts_are_hosts(host: str) -> None:
    """Internal names, cloud-provider names with a customer part: hosts to remove."""
    assert host_kind(host) == "host"
    assert looks_like_fqdn(host)


@pytest.mark.parametrize("address", [*PRIVATE_IPS, IPV6, "[fd00::5]", "fe80::1%eth0"])
def test_addresses_are_ips(address: str) -> None:
    """Private, public and IPv6 addresses (with brackets or a zone) are IP addresses."""
    assert host_kind(address) == "ip"


@pytest.mark.parametrize(
    "host",
    ["localhost", "127.0.0.1", "::1", "0.0.0.0", "db.localhost", "docs.python.org", "pypi.org"],
)
def test_loopback_and_public_services_are_kept(host: str) -> None:
    """Loopback and well-known public services identify nobody and help debugging."""
    assert host_kind(host) is None


@pytest.mark.parametrize(
    ("host", "public"),
    [
        ("s3.eu-west-1.amazonaws.com", True),
        ("sts.amazonaws.com", True),
        ("orders.c9akciq32.eu-west-1.rds.amazonaws.com", False),
        ("my-bucket.s3.eu-west-1.amazonaws.com", False),
        ("login.windows.net", True),
        ("acme.blob.core.windows.net", False),
        ("xy12345.snowflakecomputing.com", False),
        ("cluster0.ab1cd.mongodb.net", False),
        ("oauth2.googleapis.com", True),
        ("sqlalche.me", True),
    ],
)
def test_provider_endpoints_are_public_but_customer_names_under_them_are_not(
    host: str, public: bool
) -> None:
    """``<service>.<region>.amazonaws.com`` is public; a customer label in front is not."""
    assert is_public_host(host) is public


@pytest.mark.parametrize(
    "name",
    [
        "sqlalchemy.engine.base",
        "models.py",
        "self.app.run",
        "logging.info",
        "threading.local",
        "settings.prod",
        "os.path",
    ],
)
def test_python_names_are_not_host_names(name: str) -> None:
    """Dotted Python names do not look like host names outside a host slot."""
    assert not looks_like_fqdn(name)


@pytest.mark.parametrize("value", ["hunter2", "1.2.3", "10.0.0", "", "x" * 300])
def test_not_an_address(value: str) -> None:
    """Words, versions and short dotted numbers are no IP addresses."""
    assert ip_kind(value) is None


def test_vendor_apis_stay_and_their_tenants_go() -> None:
    """``api.twilio.com``, ``discord.com`` name no customer and help; ``acme.okta.com``
    and ``acme.atlassian.net`` put the customer's name in front of the provider's."""
    assert is_public_host("api.twilio.com")
    assert is_public_host("discord.com")
    assert not is_public_host("acme-corp.okta.com")
    assert not is_public_host("acme.atlassian.net")


def test_reserved_names_and_public_registries() -> None:
    """``.example`` and ``.test`` hosts are hosts (with a third label or a hyphen);
    container registries and mail providers are public."""
    assert looks_like_fqdn("mssql-hr.ad.contoso-corp.example")
    assert not looks_like_fqdn("app.test")  # a module in free text
    assert is_public_host("ghcr.io")
    assert is_public_host("smtp.mailgun.org")
    assert is_public_host("docs.oracle.com")
