"""Host names and addresses: which ones identify a customer, which ones are public.

A report must lose every host that names the customer's systems
(``pg-ledger-04.corp.internal``, ``10.41.7.203``, ``mydb.c9x.rds.amazonaws.com``)
and keep what helps a developer and names nobody (``localhost``,
``127.0.0.1``, ``docs.python.org``, ``s3.eu-west-1.amazonaws.com``).

All checks here are plain string operations on one bounded value (<= 253
characters), so each call is linear in that value. Nothing here is cached:
the values come from reports, and a report's data must not outlive it.
"""

from __future__ import annotations

from crashreport.redact.patterns import lazy

__all__ = [
    "INTERNAL_TLDS",
    "PUBLIC_TLDS",
    "TLDS",
    "host_kind",
    "ip_kind",
    "is_public_host",
    "looks_like_fqdn",
]

_LOOPBACK = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_NOT_SECRET_IPS = frozenset({"127.0.0.1", "0.0.0.0", "::1", "::", "255.255.255.255"})  # noqa: S104
# Public services whose names identify no customer: keep them, they help debugging.
_PUBLIC_DOMAINS = frozenset(
    """python.org sqlalche.me pypi.org pythonhosted.org github.com githubusercontent.com
    gitlab.com readthedocs.io readthedocs.org googleapis.com google.com stripe.com openai.com
    anthropic.com slack.com sentry.io docker.com docker.io djangoproject.com microsoft.com
    microsoftonline.com mozilla.org postgresql.org mysql.com mariadb.com redis.io mongodb.com
    elastic.co w3.org yaml.org json-schema.org ietf.org rfc-editor.org wikipedia.org
    pydantic.dev stackoverflow.com letsencrypt.org cloudflare.com amazon.com aws.amazon.com
    discord.com discordapp.com zapier.com twilio.com sendgrid.com sendgrid.net mailgun.net
    huggingface.co npmjs.org npmjs.com bitbucket.org atlassian.com telegram.org paypal.com
    squareup.com datadoghq.com newrelic.com digitalocean.com heroku.com vercel.com
    netlify.com notion.so notion.com linear.app ghcr.io quay.io gcr.io mailgun.org
    oracle.com office365.com outlook.com sqlite.org psycopg.org palletsprojects.com
    tiangolo.com aiohttp.org celeryq.dev neo4j.com apache.org confluent.io rabbitmq.com
    nats.io grpc.io kubernetes.io hashicorp.com terraform.io clickhouse.com snowflake.com
    opensearch.org python-requests.org meilisearch.com duckdb.org typesense.org
    asana.com hubspot.com
    """.split()
)
# Providers that put the customer's name in front of their own: keep the
# provider's service endpoints (``s3.eu-west-1.amazonaws.com``,
# ``login.windows.net``) but not ``orders-db.c9akciq32.eu-west-1.rds.amazonaws.com``
# or ``acme.blob.core.windows.net``. Value: how many labels may stand before
# the suffix for a public endpoint (service, and region).
_PROVIDER_DOMAINS = {
    "amazonaws.com": 2,
    "windows.net": 1,
    "azure.com": 1,
    "cloudapp.net": 0,
    "snowflakecomputing.com": 0,
    "mongodb.net": 0,
    "herokuapp.com": 0,
    "appspot.com": 0,
    "azurewebsites.net": 0,
    "ingest.sentry.io": 0,
    # tenants in front of the provider's name: acme.okta.com names a customer
    "okta.com": 0,
    "auth0.com": 0,
    "atlassian.net": 0,
    "myshopify.com": 0,
    "supabase.co": 0,
    "firebaseio.com": 0,
    "salesforce.com": 0,
}
_REGION = lazy(r"[a-z]{2}(?:-gov)?-[a-z]+-\d")
# Suffixes used only inside organisations (and RFC 6762/8375 names). In free
# text ``.local`` and friends also end Python names (``threading.local``,
# ``settings.prod``), so there they need a third label, a hyphen or a digit.
INTERNAL_TLDS = frozenset("internal lan corp intra intranet priv localdomain svc consul".split())
_WEAK_INTERNAL_TLDS = frozenset(
    "local home private cluster ec2 vpc dmz prod stage staging infra mgmt example test".split()
)
# Top-level domains common in host names; two labels suffice for these.
_STRONG_TLDS = frozenset("com net org io".split())
# Other real top-level domains: trusted with three labels, a hyphen or a digit.
PUBLIC_TLDS = frozenset(
    """co dev cloud biz xyz tech app ai gov edu mil int eu us uk de fr nl be ch at es it se no
    dk fi pl cz pt ie ca au nz jp cn in br ru kr sg hk za mx ar""".split()
)
TLDS = INTERNAL_TLDS | _WEAK_INTERNAL_TLDS | _STRONG_TLDS | PUBLIC_TLDS


def ip_kind(value: str) -> str | None:
    """``"ip"`` for a non-loopback IP address, ``""`` for loopback, ``None`` otherwise."""
    candidate = value.strip("[]").split("%", 1)[0]
    if not candidate:
        return None
    if ":" not in candidate:
        if not _is_ipv4(candidate):
            return None  # the common case, without ipaddress's exception
    else:
        import ipaddress  # only for what may be an IPv6 address (milliseconds to import)

        try:
            if ipaddress.IPv6Address(candidate).is_unspecified:
                return ""
        except ValueError:
            return None
    return "" if candidate in _NOT_SECRET_IPS else "ip"


def _is_ipv4(text: str) -> bool:
    """``ipaddress.IPv4Address(text)`` would accept it: four decimal numbers up
    to 255, without leading zeros (the common case, without an exception)."""
    return text[:1].isdigit() and _IPV4.fullmatch(text) is not None


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"  # 0-255, no leading zero
_IPV4 = lazy(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


def is_public_host(host: str) -> bool:
    """A well-known public service (docs, package index, vendor API endpoint)."""
    host = host.lower().rstrip(".")
    dot = host.rfind(".")
    if host[host.rfind(".", 0, dot) + 1 :] not in _KNOWN_ENDINGS:
        return False  # the common case: its last two labels end no domain known here
    labels = host.split(".")
    for cut in range(len(labels) - 1):
        suffix = ".".join(labels[cut:])
        if suffix in _PUBLIC_DOMAINS:
            return True
        allowed = _PROVIDER_DOMAINS.get(suffix)
        if allowed is not None:
            before = labels[:cut]
            if len(before) > allowed:
                return False
            # service.region.amazonaws.com: the second label must be a region
            return len(before) < 2 or bool(_REGION.fullmatch(before[1]))
    return False


# the last two labels of every domain above (``sentry.io`` for ``ingest.sentry.io``)
_KNOWN_ENDINGS = frozenset(
    ".".join(domain.split(".")[-2:]) for domain in (*_PUBLIC_DOMAINS, *_PROVIDER_DOMAINS)
)
# labels of 1-63 characters (one C-level match; "-" at their ends is tested apart)
_HOST_NAME = lazy(r"[\w-]{1,63}(?:\.[\w-]{1,63})*")  # \w: internationalised names too
_DIGIT = lazy(r"[0-9]")


def host_kind(value: str) -> str | None:
    """Classify a value found in a host slot: ``"ip"``, ``"host"``, or ``None`` (keep)."""
    value = value.strip().rstrip(".")
    if not value or len(value) > 253:
        return None
    first = value[0]
    if first.isdigit() or first in "[]" or ":" in value:  # what ``ip_kind`` can accept
        kind = ip_kind(value)
        if kind is not None:
            return kind or None
    if not _HOST_NAME.fullmatch(value):
        return None
    if first == "-" or value[-1] == "-" or "-." in value or ".-" in value:
        return None  # a label starts or ends with "-"
    lowered = value.lower()
    if not lowered.strip("0123456789._-"):
        return None  # no letter at all (only letters, digits and "_.-" are left here)
    if lowered in _LOOPBACK or lowered.endswith(".localhost") or is_public_host(lowered):
        return None
    return "host"


def looks_like_fqdn(value: str) -> bool:
    """A dotted name that is a host name even outside a host slot.

    ``ingress-01.priv.example.org`` is; ``sqlalchemy.engine.base``,
    ``models.py``, ``self.app.run`` and ``logging.info`` are not.
    """
    labels = value.lower().rstrip(".").split(".")
    if len(labels) < 2:
        return False
    tld = labels[-1]
    strong = tld in INTERNAL_TLDS or tld in _STRONG_TLDS
    if not strong and tld not in PUBLIC_TLDS and tld not in _WEAK_INTERNAL_TLDS:
        return False  # before host_kind: the cheap test first
    if host_kind(value) != "host":
        return False
    if strong:
        return True
    marked = "-" in value or _DIGIT.search(value) is not None
    return len(labels) >= 3 or marked
