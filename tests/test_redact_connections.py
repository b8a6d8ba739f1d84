"""Connection URLs by their parts, and host slots (crashreport.redact.connections)."""

from __future__ import annotations

import urllib.parse

import pytest

from crashreport.redact.connections import ConnectionUrls, host_parts
from fixtures.redaction_samples import leaks, scrub
from fixtures.secrets import (
    DB_HOST,
    DB_NAME,
    DB_PASSWORD,
    DB_PORT,
    DB_USER,
    MONGO_HOST,
    REDIS_HOST,
    SPECIAL_PASSWORD,
)

PARTS = [DB_HOST, DB_NAME, DB_PASSWORD, str(DB_PORT), DB_USER]


@pytest.mark.parametrize(
    "scheme",
    [
        "postgres",
        "postgresql",
        "postgresql+psycopg",
        "postgresql+asyncpg",
        "mysql+pymysql",
        "mariadb",
        "mssql+pyodbc",
        "oracle+oracledb",
        "mongodb",
        "amqp",
        "kafka",
        "clickhouse+native",
        "snowflake",
        "cockroachdb",
    ],
)
def test_database_urls_lose_every_part(scheme: str) -> None:
    """User, password, host, port and database go from a URL of any database scheme."""
    url = f"{scheme}://{DB_USER}:{DB_PASSWORD}@{DB_HOST}:{DB_PORT}/{DB_NAME}?sslmode=require"
    out = scrub(f"engine = create_engine('{url}')")
    assert leaks(out, PARTS) == []
    assert f"{scheme}://<user>:<password>@<host-1>:<port>/<database>" in out


def test_the_password_ends_at_the_last_at_sign() -> None:
    """A password holding "@", "/", "#" is removed whole, also percent-encoded."""
    quoted = urllib.parse.quote(SPECIAL_PASSWORD, safe="")
    out = scrub(f"redis://:{quoted}@{REDIS_HOST}:6380/0 and raw {SPECIAL_PASSWORD}")
    assert leaks(out, [SPECIAL_PASSWORD, REDIS_HOST]) == []
    assert out.startswith("redis://:<password>@<host-1>:<port>/0")


def test_an_empty_user_and_a_user_without_password() -> None:
    """``redis://:pw@h`` and ``https://key@o1.ingest.sentry.io/5`` lose what they hold."""
    assert scrub(f"redis://:{DB_PASSWORD}@{REDIS_HOST}") == "redis://:<password>@<host-1>"
    out = scrub("https://0123abcdef4567@o450211.ingest.sentry.io/5")
    assert "0123abcdef4567" not in out
    assert "o450211" not in out


def test_srv_and_multi_host_urls() -> None:
    """``mongodb+srv://`` and comma-separated host lists lose every host and port."""
    out = scrub(f"mongodb+srv://{DB_USER}:{DB_PASSWORD}@{MONGO_HOST}/{DB_NAME}?retryWrites=true")
    assert leaks(out, [DB_USER, DB_PASSWORD, MONGO_HOST, DB_NAME]) == []
    hosts = "m-1.corp.internal:27017,m-2.corp.internal:27018"
    out = scrub(f"mongodb://{DB_USER}:{DB_PASSWORD}@{hosts}/?replicaSet=rs0")
    assert leaks(out, ["m-1.corp.internal", "m-2.corp.internal", "27017", "27018"]) == []


def test_sqlalchemy_reprs_keep_their_mask_and_lose_the_rest() -> None:
    """``Engine(postgresql+psycopg://u:***@h:5432/db)``: the mask stays, the rest goes."""
    out = scrub(f"Engine(postgresql+psycopg://{DB_USER}:***@{DB_HOST}:{DB_PORT}/{DB_NAME})")
    assert out == "Engine(postgresql+psycopg://<user>:***@<host-1>:<port>/<database>)"


def test_web_urls_keep_their_path_and_public_hosts() -> None:
    """A web URL's path is no database; docs and vendor URLs are kept whole."""
    text = "see https://docs.python.org/3/library/socket.html and https://sqlalche.me/e/20/e3q8"
    assert scrub(text) == text
    out = scrub("GET https://api.acme-corp.io/v1/orders?limit=5 failed")
    assert out == "GET https://<host-1>/v1/orders?limit=5 failed"


def test_a_mistyped_driver_url_is_still_a_url() -> None:
    """``postgresql+psycopg2//u:p@h/db`` (the colon forgotten) still loses its parts."""
    assert leaks(scrub(f"postgresql+psycopg2//{DB_USER}:{DB_PASSWORD}@{DB_HOST}/db"), PARTS) == []


def test_sqlite_and_file_urls_have_no_host() -> None:
    """``sqlite:///path`` has no host to remove."""
    assert scrub("sqlite:////var/lib/app/app.db") == "sqlite:////var/lib/app/app.db"


def test_host_parts_reads_every_host_slot_shape() -> None:
    """``h``, ``h:port``, ``[v6]:port``, ``tcp:h,1433`` and host lists."""
    text = "tcp:db-1.corp.internal,1433"
    kinds = [(text[a:b], kind) for a, b, kind, *_ in host_parts(text, 0, len(text))]
    assert kinds == [("db-1.corp.internal", "host"), ("1433", "port")]
    text = "[fd00::5]:6379"
    assert [(text[a:b], k) for a, b, k, *_ in host_parts(text, 0, len(text))] == [
        ("fd00::5", "ip"),
        ("6379", "port"),
    ]


def test_many_slashes_cost_nothing() -> None:
    """A text of slashes is no URL, and reading it finds nothing."""
    assert list(ConnectionUrls()("//" * 5000 + " a//b c://")) == []


def test_a_url_cut_in_its_host_and_a_port_that_is_no_number() -> None:
    """pydantic's cut ``'amqps://mq-order...'`` leaves part of a host, which goes; a
    template's ``host:port`` still names its host."""
    clean = scrub("url = 'amqps://mq-order...rd'\nurl = 'postgres://u:p@pg-etl.int:port/etl'")
    assert leaks(clean, ["mq-order", "pg-etl.int"]) == []
    assert "...rd'" in clean
    assert ":port/" in clean


def test_a_webhooks_path_is_its_credential() -> None:
    """Mattermost's and Teams' hook keys go; a settings page named hooks stays."""
    clean = scrub(
        "404 for url: http://chat.acme.internal:28065/hooks/x3n9fq7kbj8mtg4r1wz6ycpd5e\n"
        "400 for url: https://acme.webhook.office.com/webhookb2/7c1e4a2b-93d5-4f08@5f2b8e19-0a4c"
        "/IncomingWebhook/9e4b2c7a1f8d4e6b0a3c5d7f9b1e2a4c/3b6d9f2a-5c8e?x=1\n"
        "see https://github.com/org/repo/settings/hooks/new"
    )
    assert (
        leaks(
            clean,
            [
                "x3n9fq7kbj8mtg4r1wz6ycpd5e",
                "7c1e4a2b-93d5-4f08",
                "9e4b2c7a1f8d4e6b0a3c5d7f9b1e2a4c",
            ],
        )
        == []
    )
    assert "/IncomingWebhook/" in clean
    assert "https://github.com/org/repo/settings/hooks/new" in clean
