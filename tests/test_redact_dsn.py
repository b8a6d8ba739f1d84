"""Connection strings that are no URLs, by their parts: libpq, ODBC/ADO.NET, JDBC,
TNS, EZConnect, LDAP names (crashreport.redact.dsn)."""

from __future__ import annotations

import pytest

from fixtures.redaction_samples import leaks, scrub
from fixtures.secrets import (
    DB_HOST,
    DB_NAME,
    DB_PASSWORD,
    DB_PORT,
    DB_USER,
    DSN,
    LIBPQ,
    MSSQL_HOST,
    ORACLE_HOST,
    ORACLE_SERVICE,
)

PARTS = [DB_HOST, DB_NAME, DB_PASSWORD, str(DB_PORT), DB_USER]


def test_libpq_key_value_strings() -> None:
    """``host=... port=... dbname=... user=... password=...`` loses every value."""
    out = scrub(f"conninfo = '{LIBPQ} sslmode=require'")
    assert leaks(out, PARTS) == []
    assert "sslmode=require" in out


def test_libpq_keyword_without_equals() -> None:
    """libpq prints ``password secret`` when the ``=`` is missing: the value still goes."""
    out = scrub(f'invalid dsn: "host={DB_HOST} dbname={DB_NAME} password {DB_PASSWORD}"')
    assert leaks(out, [DB_HOST, DB_NAME, DB_PASSWORD]) == []


@pytest.mark.parametrize(
    "conn",
    [
        f"DRIVER={{ODBC Driver 18 for SQL Server}};SERVER=tcp:{MSSQL_HOST},41433;"
        f"DATABASE={DB_NAME};UID={DB_USER};PWD={{{DB_PASSWORD}}};Encrypt=yes",
        f"Server={MSSQL_HOST};Database={DB_NAME};User Id={DB_USER};Password={DB_PASSWORD};",
        f"Data Source={MSSQL_HOST},41433;Initial Catalog={DB_NAME};User ID={DB_USER};"
        f"Password={DB_PASSWORD}",
        f"jdbc:sqlserver://{MSSQL_HOST}:41433;databaseName={DB_NAME};user={DB_USER};"
        f"password={DB_PASSWORD}",
    ],
)
def test_odbc_and_ado_net_strings(conn: str) -> None:
    """SQL Server strings (ODBC, ADO.NET, JDBC) lose server, port, database, user, password."""
    out = scrub(f"conn_str = '{conn}'")
    assert leaks(out, [MSSQL_HOST, DB_NAME, DB_USER, DB_PASSWORD, "41433"]) == []
    assert "Encrypt=yes" in out or "ODBC" not in conn


def test_oracle_tns_descriptor() -> None:
    """A TNS descriptor loses HOST, PORT and SERVICE_NAME, keeps its grammar."""
    tns = (
        f"(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST={ORACLE_HOST})(PORT=41521))"
        f"(CONNECT_DATA=(SERVICE_NAME={ORACLE_SERVICE})))"
    )
    out = scrub(f"dsn = '{tns}'")
    assert leaks(out, [ORACLE_HOST, ORACLE_SERVICE, "41521"]) == []
    assert "(PROTOCOL=TCP)" in out


@pytest.mark.parametrize(
    "text",
    [
        f"cx_Oracle.connect('{DB_USER}/{DB_PASSWORD}@{ORACLE_HOST}:41521/{ORACLE_SERVICE}')",
        f"dsn = '{ORACLE_HOST}:41521/{ORACLE_SERVICE}'",
    ],
)
def test_oracle_easy_connect(text: str) -> None:
    """EZConnect ``user/password@host:port/service`` and ``host:port/service``."""
    out = scrub(text)
    assert leaks(out, [DB_USER, DB_PASSWORD, ORACLE_HOST, ORACLE_SERVICE, "41521"]) == []


def test_ldap_names() -> None:
    """An LDAP bind name loses its user and its organisation's domain."""
    out = scrub("bind_dn = 'cn=svc-ledger,ou=services,dc=vantage-retail,dc=com'")
    assert leaks(out, ["svc-ledger", "vantage-retail"]) == []
    assert "ou=services" in out


def test_dsn_in_the_environment_is_removed_elsewhere() -> None:
    """DATABASE_URL's parts are removed from a report that shows them without the URL."""
    from crashreport.redact import redact_text

    out = redact_text(
        f"could not reach {DB_HOST} as {DB_USER} on {DB_NAME}",
        environ={"DATABASE_URL": DSN},
        local=False,
    ).text
    assert leaks(out, [DB_HOST, DB_USER, DB_NAME]) == []


def test_a_distinguished_name_given_as_the_user_names_its_account() -> None:
    """ldap3's ``user='cn=svc-reader,ou=apps,dc=corp,dc=internal'``: the account (the
    first component) and the domain go, the structure stays."""
    text = "ldap3.Connection(srv, user='cn=svc-reader,ou=apps,dc=corp,dc=internal')"
    assert scrub(text) == "ldap3.Connection(srv, user='cn=<user>,ou=apps,dc=<host-1>')"


def test_an_easy_connect_target_on_its_own() -> None:
    """``dsn = 'host:port/service'`` loses all three parts; a web URL's path stays."""
    clean = scrub(
        "    dsn = 'ora-7.fin.corp:41521/FINPDB1.halcyon.corp'\n x = 'http://a.b.internal:8080/api'"
    )
    assert clean == "    dsn = '<host-1>:<port>/<database>'\n x = 'http://<host-2>:8080/api'"


def test_a_password_file_line_loses_every_part() -> None:
    """``host:port:database:user:password`` in a text that names ``.pgpass`` goes
    part by part; ``*`` stays, and a time of day is no such line."""
    clean = scrub(
        "    pgpass_entries = ['pay-db.hr.internal:31544:payroll:payroll_reader:Pay-Day-31st']\n"
        "*:*:*:svc_app:Hunter2!x\n"
        "at 12:30:45:12:x y"
    )
    assert clean == (
        "    pgpass_entries = ['<host-1>:<port>:<database>:<user>:<password>']\n"
        "*:*:*:<user>:<password>\n"
        "at 12:30:45:12:x y"
    )


def test_a_libpq_string_before_the_servers_message() -> None:
    """pgx prints ``host=h user=u: FATAL: password authentication failed``: the
    message after the colon is no bare libpq keyword."""
    clean = scrub("host=h.example.net user=svc_u: FATAL: password authentication failed")
    assert clean.endswith("FATAL: password authentication failed")
    assert "svc_u" not in clean
