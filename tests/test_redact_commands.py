"""Credentials in command lines and positional calls (crashreport.redact.commands)."""

from __future__ import annotations

import pytest

from crashreport.redact import redact_text
from crashreport.redact.commands import ClientOptions, CredentialCalls
from crashreport.redact.scan import Scan

PASSWORD = "Xq7-vT9!pLm2"
USER = "svc_ledger7"
HOST = "pg-ledger.int.acme-corp.net"
PORT = "26543"
DATABASE = "ledger_main"


def kinds(rule: ClientOptions | CredentialCalls, text: str) -> dict[str, str]:
    """What the rule found, as value -> kind."""
    return {text[a:b]: kind for a, b, kind, *_ in rule.hits(Scan(text))}


def clean(text: str) -> str:
    return redact_text(text, environ={}, local=False).text


@pytest.mark.parametrize(
    "command",
    [
        f"mysql -h {HOST} -P {PORT} -u {USER} -p{PASSWORD} {DATABASE}",
        f"mysqldump -h{HOST} -P{PORT} -u{USER} -p{PASSWORD} -D {DATABASE}",
        f"psql -h {HOST} -p {PORT} -U {USER} -d {DATABASE}",
        f"['/usr/bin/psql', '-h', '{HOST}', '-p', '{PORT}', '-U', '{USER}', '-d', '{DATABASE}']",
        f'["pg_dump", "-U", "{USER}", "-h", "{HOST}", "-p", "{PORT}", "{DATABASE}"]',
        f"sqlcmd -S tcp:{HOST},{PORT} -U {USER} -P '{PASSWORD}' -d {DATABASE}",
        f"mongodump -h {HOST}:{PORT} -u {USER} -p {PASSWORD} -d {DATABASE}",
        f"redis-cli -h {HOST} -p {PORT} -a {PASSWORD}",
        f"clickhouse-client -h {HOST} -u {USER} -d {DATABASE}",
        f"ldapsearch -h {HOST} -p {PORT} -w {PASSWORD}",
        f"ssh -p {PORT} -l {USER} {HOST}",
        f"sshpass -p '{PASSWORD}' ssh x",
        f"curl -u {USER}:{PASSWORD} https://api.example.org/",
        f"smbclient //fs/share -U {USER}%{PASSWORD}",
        f"docker login -u {USER} -p {PASSWORD} registry.example.org",
    ],
)
def test_the_options_of_well_known_clients_are_removed(command: str) -> None:
    """Shell lines and argv lists, values attached or next: the host, port, user,
    password and database the client's options name are all removed."""
    text = f"subprocess.CalledProcessError: Command '{command}' returned non-zero exit status 1."
    result = clean(text)
    for value in (PASSWORD, USER, HOST, PORT, DATABASE):
        assert value not in result, (value, result)
    assert "CalledProcessError" in result
    assert "non-zero exit status 1" in result


def test_options_are_read_by_the_programs_meaning() -> None:
    """MySQL's ``-p`` is a password only when attached, PostgreSQL's is a port;
    ``-P`` is a port for MySQL and a password for sqlcmd."""
    assert kinds(ClientOptions(), "mysql -pS3cret -P 3307") == {
        "S3cret": "password",
        "3307": "port",
    }
    # -p alone asks for the password: "shop" is the database, the first argument
    assert kinds(ClientOptions(), "mysql -p shop") == {"shop": "database"}
    assert kinds(ClientOptions(), "psql -p 5433") == {"5433": "port"}
    assert kinds(ClientOptions(), "sqlcmd -P S3cret") == {"S3cret": "password"}


def test_a_command_inside_a_command_is_read_too() -> None:
    """``ssh host 'psql -U u -d db'``: the inner client's options are read as its own."""
    found = kinds(ClientOptions(), f"ssh -p 2202 {HOST} 'psql -U {USER} -d {DATABASE}'")
    assert found == {"2202": "port", HOST: "host", USER: "user", DATABASE: "database"}


@pytest.mark.parametrize(
    "text",
    [
        "python -m pytest -p no:randomly -x",
        "usage: mysql [-u user] [-p] [-h host]",
        "login failed: -u flag missing",
        "psql -h /var/run/postgresql -c 'SELECT 1' -l",  # a socket directory, a query
        "tar -h -P -u -p",
        "mysql -u <user> -p<password>",  # already redacted
    ],
)
def test_what_is_no_client_value_stays(text: str) -> None:
    """Other programs' options, usage lines, prose, socket paths and placeholders:
    nothing is taken for a client's value."""
    assert clean(text) == text


@pytest.mark.parametrize(
    "call",
    [
        f"smtp.login('{USER}', '{PASSWORD}')",
        f'ftp.login("{USER}", "{PASSWORD}")',
        f"requests.get(url, auth=HTTPBasicAuth('{USER}', '{PASSWORD}'))",
        f"aiohttp.BasicAuth('{USER}', '{PASSWORD}')",
        f"pika.PlainCredentials('{USER}', '{PASSWORD}')",
        f"ftplib.FTP('{HOST}', '{USER}', '{PASSWORD}')",
        f"pymysql.connect('{HOST}', '{USER}', '{PASSWORD}', '{DATABASE}')",
        f"cx_Oracle.connect('{USER}', '{PASSWORD}', dsn)",
        f"redis.Redis('{HOST}', {PORT}, 0, '{PASSWORD}')",
    ],
)
def test_literals_passed_by_position_are_removed(call: str) -> None:
    """A source line calling a known signature with literals: each literal goes."""
    result = clean(f"    conn = {call}\n")
    for value in (PASSWORD, USER, HOST, DATABASE):
        assert value not in result, (value, result)


def test_calls_keep_what_is_not_a_literal() -> None:
    """Variables, keyword arguments and other functions' calls are left alone."""
    for text in (
        "smtp.login(user, password)",
        "server.login(settings.SMTP_USER, os.environ['SMTP_PASSWORD'])",
        "relogin('x', 'y')",
        "SFTP('x', 'y', 'z')",
        "conn = sqlite3.connect('app.db')",
    ):
        assert kinds(CredentialCalls(), text) == {}, text


def test_a_connect_string_passed_as_the_user_is_read_by_its_parts() -> None:
    """``cx_Oracle.connect('scott/tiger@db:41521/svc')``: the EZConnect string keeps its
    shape, each part removed as what it is; an e-mail login stays an e-mail address."""
    oracle = clean("cx_Oracle.connect('scott/tiger@ora-prod.fin.local:41521/FINPDB1')")
    assert oracle == "cx_Oracle.connect('<user>/<password>@<host-1>:<port>/<database>')"
    assert clean("smtp.login('noreply@acme-mail.eu', 'SmtpS3cret')") == (
        "smtp.login('<email>', '<password>')"
    )


def test_the_host_ssh_connects_to_is_its_first_argument() -> None:
    """``ssh -i key -p 2202 deploy@bastion01``: the options' values that are no secret
    (the key file) stay, the port, user and host go."""
    assert kinds(ClientOptions(), "ssh -i ~/.ssh/id_rsa -p 2202 deploy@bastion01 'uptime'") == {
        "2202": "port",
        "deploy": "user",
        "bastion01": "host",
    }


def test_the_login_of_cloud_command_lines() -> None:
    """``az login -u x -p y`` (and ``oc``, ``cf``) as argv: user and password go; a
    ``doc login`` in prose is no command."""
    text = clean(
        "Command '['az', 'login', '--service-principal', '-u', 'app-7d2c', '-p', "
        "'Qz8~R2mLx.T7vWn4_Hb', '--tenant', 't']' returned non-zero exit status 1.\n"
        "see the doc login -u notes"
    )
    assert "'-u', '<user>', '-p', '<password>'" in text
    assert text.endswith("see the doc login -u notes")
