"""The grammar drivers use to name hosts, users and databases when they fail
(crashreport.redact.drivers)."""

from __future__ import annotations

import pytest

from fixtures.redaction_samples import leaks, scrub
from fixtures.secrets import (
    DB_HOST,
    DB_IP,
    DB_NAME,
    DB_PORT,
    DB_USER,
    MONGO_HOST,
    MYSQL_HOST,
    MYSQL_USER,
    ORACLE_HOST,
    ORACLE_SERVICE,
    REDIS_HOST,
)


@pytest.mark.parametrize(
    ("message", "secrets"),
    [
        (
            f'connection to server at "{DB_HOST}" ({DB_IP}), port {DB_PORT} failed: FATAL:  '
            f'database "{DB_NAME}" does not exist',
            [DB_HOST, DB_IP, str(DB_PORT), DB_NAME],
        ),
        (
            f'FATAL:  password authentication failed for user "{DB_USER}"',
            [DB_USER],
        ),
        (f'FATAL:  role "{DB_USER}" does not exist', [DB_USER]),
        (
            f"(1045, \"Access denied for user '{MYSQL_USER}'@'{DB_IP}' (using password: YES)\")",
            [MYSQL_USER, DB_IP],
        ),
        (
            f"(2003, \"Can't connect to MySQL server on '{MYSQL_HOST}' "
            '([Errno 111] Connection refused)")',
            [MYSQL_HOST],
        ),
        (f"(1049, \"Unknown database '{DB_NAME}'\")", [DB_NAME]),
        (
            "[Microsoft][ODBC Driver 18 for SQL Server][SQL Server]"
            f"Login failed for user '{DB_USER}'.",
            [DB_USER],
        ),
        (f'Cannot open database "{DB_NAME}" requested by the login.', [DB_NAME]),
        (
            f'DPY-6001: Service "{ORACLE_SERVICE}" is not registered with the listener at host '
            f'"{ORACLE_HOST}" port 41521.',
            [ORACLE_SERVICE, ORACLE_HOST, "41521"],
        ),
        (f"Error 111 connecting to {REDIS_HOST}:{DB_PORT}. Connection refused.", [REDIS_HOST]),
        (f"Error 110 connecting to {DB_IP}:46379. Connection timed out.", [DB_IP, "46379"]),
        (
            f"{MONGO_HOST}:27017: [Errno 111] Connection refused, Topology Description: "
            f"<TopologyDescription servers: [<ServerDescription ('{MONGO_HOST}', 27017) "
            "server_type: Unknown>]>",
            [MONGO_HOST, "27017"],
        ),
        (
            f"HTTPSConnectionPool(host='{DB_HOST}', port={DB_PORT}): Max retries exceeded",
            [DB_HOST, str(DB_PORT)],
        ),
        (
            f"Cannot connect to host {DB_HOST}:443 ssl:default "
            f"[Connect call failed ('{DB_IP}', 443)]",
            [DB_HOST, DB_IP],
        ),
        (f"Failed to resolve '{DB_HOST}' ([Errno -2] Name or service not known)", [DB_HOST]),
        (f"certificate is not valid for '{DB_HOST}'. (_ssl.c:1006)", [DB_HOST]),
        (
            f"DB::Exception: {DB_USER}: Authentication failed: password is incorrect",
            [DB_USER],
        ),
        (f"unable to authenticate user [{DB_USER}] for REST request [/_bulk]", [DB_USER]),
        (f"Code: 81. DB::Exception: Database {DB_NAME} does not exist.", [DB_NAME]),
        (f"Unable to connect to port 2222 on {DB_IP}", [DB_IP]),
        (f"rsync: deploy_bot@{DB_IP}:/var/backups failed", ["deploy_bot", DB_IP]),
        (f'JSON: {{"message": "connection to server at \\"{DB_HOST}\\" failed"}}', [DB_HOST]),
    ],
)
def test_driver_messages_lose_what_they_name(message: str, secrets: list[str]) -> None:
    """Each driver's own grammar: the named host, address, port, user, database go."""
    out = scrub(message)
    assert leaks(out, secrets) == []


def test_driver_messages_keep_their_words() -> None:
    """The phrases that tell what went wrong stay readable."""
    message = f"(1045, \"Access denied for user '{MYSQL_USER}'@'{DB_IP}' (using password: YES)\")"
    assert (
        scrub(message)
        == "(1045, \"Access denied for user '<user>'@'<ip-1>' (using password: YES)\")"
    )


def test_mysql_user_at_host_in_quotes() -> None:
    """``'user'@'host'`` loses both, whatever the quotes."""
    assert scrub(f"for user `{MYSQL_USER}`@`{MYSQL_HOST}`") == "for user `<user>`@`<host-1>`"


def test_cassandras_unquoted_username() -> None:
    """Cassandra: ``Provided username cass_app and/or password are incorrect`` -- an
    identifier-shaped name after "username" goes; prose after "user" stays."""
    message = 'message="Provided username cass_app and/or password are incorrect"'
    assert scrub(message) == 'message="Provided username <user> and/or password are incorrect"'
    assert scrub("the user has_permission flag") == "the user has_permission flag"


def test_more_names_drivers_and_servers_give() -> None:
    """Oracle's ``SID "x"``, redis-py's unbracketed ``v6:port``, a mail server's own name
    after its reply code, and ``by user x``."""
    clean = scrub(
        'DPY-6003: SID "MESPRD01" is not registered with the listener\n'
        "Error 113 connecting to fd00:5:6::2:46385. Connect call failed\n"
        "(421, b'4.3.2 mailgw01 Service not available, closing transmission channel')\n"
        "Sender address rejected: not owned by user svc_payslips"
    )
    assert leaks(clean, ["MESPRD01", "fd00:5:6::2", "46385", "mailgw01", "svc_payslips"]) == []
    assert "Service not available, closing transmission channel" in clean
