"""Values of sensitive keys in every common syntax (crashreport.redact.assignments)."""

from __future__ import annotations

import pytest

from crashreport.redact.assignments import assignments
from crashreport.redact.scan import Scan
from fixtures.redaction_samples import scrub
from fixtures.secrets import DB_PASSWORD, SPECIAL_PASSWORD


def found(text: str) -> list[tuple[str, str]]:
    return [(kind, text[a:b]) for kind, a, b in assignments(Scan(text))]


@pytest.mark.parametrize(
    "text",
    [
        f"password={DB_PASSWORD}",
        f"password = '{DB_PASSWORD}'",
        f'"password": "{DB_PASSWORD}"',
        f"'password': '{DB_PASSWORD}'",
        f"PASSWORD: {DB_PASSWORD}",
        f"db_password='{DB_PASSWORD}'",
        f"--password={DB_PASSWORD}",
        f"'password' => '{DB_PASSWORD}'",
        f'{{\\"password\\": \\"{DB_PASSWORD}\\"}}',
        f"Server=h;Password={DB_PASSWORD};",
        f"PWD={{{DB_PASSWORD}}};",
        f"'a line\\npassword={DB_PASSWORD}'",
        f"    password = {DB_PASSWORD}\n",
        f"export PGPASSWORD={DB_PASSWORD}",
    ],
)
def test_a_password_is_found_in_every_syntax(text: str) -> None:
    """key=value, key: value, JSON, dict reprs, INI, PHP arrays, ODBC braces, escapes."""
    assert ("password", DB_PASSWORD) in found(text) or ("secret", DB_PASSWORD) in found(text)
    assert DB_PASSWORD not in scrub(text)


def test_a_value_with_reserved_characters_is_removed_whole() -> None:
    """A quoted password holding "@", ":", "/", "#", "%", "?", "&", "=" goes in one piece."""
    assert found(f"'password': '{SPECIAL_PASSWORD}'") == [("password", SPECIAL_PASSWORD)]


def test_yaml_reads_to_the_end_of_the_line() -> None:
    """``password: two words`` at the start of a YAML line is one value."""
    assert found("db:\n  password: correct horse battery\n") == [
        ("password", "correct horse battery")
    ]


def test_a_name_under_a_database_section_is_a_database() -> None:
    """``name`` is a database name under ``database:``, ``[database]`` or Django's ENGINE."""
    assert found("database:\n  name: orders_eu\n") == [("database", "orders_eu")]
    assert ("database", "shop") in found("{'ENGINE': 'django.db.backends.mysql', 'NAME': 'shop'}")
    assert found("app:\n  name: checkout-ui\n") == []


@pytest.mark.parametrize(
    "text",
    [
        "password = get_password()",
        "password = self.password",
        "connect(password=db_password)",
        "password_policy = 'strict'",
        "password: None",
        "password=****",
        "password=${DB_PASSWORD}",
        "if password == other:",
        "DB::Exception: Code: 516",
        "bad auth : authentication failed",
        "token_type='bearer'",
        "nothing secret: ValueError in models.py",
        "failed with token: psycopg.OperationalError",
    ],
)
def test_code_and_descriptions_are_not_values(text: str) -> None:
    """References in code, comparisons, masks, templates, prose: nothing to remove."""
    assert found(text) == []
    assert scrub(text) == text


def test_bearer_keeps_its_scheme() -> None:
    """``Authorization: Bearer x`` keeps the scheme word and removes the credential."""
    text = "{'Authorization': 'Bearer abc123DEF456ghi789'}"
    assert scrub(text) == "{'Authorization': 'Bearer <token>'}"


def test_list_values_from_parse_qs_are_removed() -> None:
    """``{'password': ['x']}`` and ``auth=('user', 'pw')`` remove every item; a login
    pair's first item is its user (swept as a name, not inside every word)."""
    assert found("{'password': ['hunter2x']}") == [("password", "hunter2x")]
    assert found("auth=('elastic', 'pw-9931')") == [("user", "elastic"), ("secret", "pw-9931")]
    assert found("token=('a1b2c3d4', 'e5f6g7h8')") == [("token", "a1b2c3d4"), ("token", "e5f6g7h8")]


def test_keyword_arguments_point_at_locals() -> None:
    """``connect(password=p)`` in a frame's source makes the local ``p`` a password."""
    text = (
        '  File "/srv/app/db.py", line 3, in open\n'
        "    conn = oracledb.connect(user=u, password=p, dsn=dsn)\n"
        "    p = 'Tiger-9931-x'\n"
        "    u = 'scott_app'\n"
    )
    out = scrub(text)
    assert "Tiger-9931-x" not in out
    assert "scott_app" not in out
    assert "oracledb.connect(" in out


def test_values_inside_a_consumed_value_are_not_read_twice() -> None:
    """A sensitive key inside a value already removed does not split that value."""
    text = "token='abc password=xyz def' ok"
    assert found(text) == [("token", "abc password=xyz def")]


def test_a_pair_printed_again_has_the_same_result_whatever_stands_further_away() -> None:
    """A pair met again (a dict in every frame) is found each time, with its own
    offsets; one whose context differs further back (a section above) is read anew."""
    pair = "{'host': 'pg-9.corp.internal', 'password': 'Zq9-aa-77!'}"
    text = f"a = {pair}\nb = {pair}\n  c = {pair}"
    spans = [(kind, a, b) for kind, a, b in assignments(Scan(text))]
    assert [text[a:b] for _kind, a, b in spans] == ["pg-9.corp.internal", "Zq9-aa-77!"] * 3
    assert len({a for _kind, a, _b in spans}) == 6
    named = "  name: orders_eu\n"
    far = "app:\n" + "  # -\n" * 80  # more than a section's reach (300 characters)
    assert found(f"database:\n{named}{far}{named}") == [("database", "orders_eu")]
    assert found(f"{far}{named}database:\n{named}") == [("database", "orders_eu")]


@pytest.mark.parametrize(
    "message",
    [
        "Name or service not known",  # glibc
        "Temporary failure in name resolution",
        "nodename nor servname provided, or not known",  # macOS
        "Name does not resolve",  # musl
        "No such host is known. ",  # Windows
        "Connection refused",  # strerror(ECONNREFUSED), as gRPC prints it after "host:"
    ],
)
def test_the_resolvers_sentence_after_address_is_not_a_host(message: str) -> None:
    """libpq's "could not translate host name "h" to address: <resolver message>": the
    host goes, the system's words stay -- also where they are repeated."""
    text = (
        f'could not translate host name "db-primary.prod.acme.io" to address: {message}\n'
        f"socket.gaierror: [Errno -2] {message}"
    )
    assert not [value for kind, value in found(text) if kind == "host"]
    clean = scrub(text)
    assert "db-primary.prod.acme.io" not in clean
    assert clean.count(message.strip()) == 2
    assert "host name" in clean


def test_a_host_after_address_is_still_a_host() -> None:
    """Only the resolver's own sentences are spared: any other word after ``address:``
    or ``host:`` is a host name, even one that reads like prose."""
    assert found("address: Fileserver is down") == [("host", "Fileserver")]
    assert found("host: db7") == [("host", "db7")]


def test_the_systems_sentence_after_host_is_not_a_host() -> None:
    """gRPC's "Failed to connect to remote host: Connection refused": the address goes,
    "Connection refused" stays, here and wherever else it is printed."""
    text = (
        "last error: UNKNOWN: ipv4:10.8.0.12:50051: Failed to connect to remote host: "
        "Connection refused\nConnectionRefusedError: [Errno 111] Connection refused"
    )
    assert not [value for kind, value in found(text) if kind == "host"]
    clean = scrub(text)
    assert "10.8.0.12" not in clean
    assert clean.count("Connection refused") == 2


def test_an_exceptions_line_is_no_dotted_key() -> None:
    """``telegram.error.InvalidToken: Invalid token 51..:AA..``: the class name and the
    message's words stay, the token goes; a dotted key still holds a value."""
    token = "5123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
    clean = scrub(f"telegram.error.InvalidToken: Invalid token {token}")
    assert clean.startswith("telegram.error.InvalidToken: Invalid token ")
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0" not in clean
    assert found("spring.datasource.password: S3cretPw!") == [("password", "S3cretPw!")]
    assert found("auth.Password: hunter2xyz") == [("password", "hunter2xyz")]


def test_what_is_derived_from_a_password_is_a_secret() -> None:
    """``password_hash``, ``password_digest``: a hash can be cracked, so it goes too."""
    value = "pbkdf2_sha256$600000$Zx81Kq$abcDEF123456"
    assert found(f"password_hash='{value}'") == [("secret", value)]
    assert found(f"password_digest = '{value}'") == [("secret", value)]


def test_django_names_its_database_before_its_engine() -> None:
    """A Django settings dict prints ``'NAME'`` first and ``'ENGINE'`` later: the name
    is still the database's."""
    text = (
        "    databases = {'default': {'NAME': 'payments_prod_eu', 'USER': 'svc_pay', "
        "'ENGINE': 'django.db.backends.postgresql'}}"
    )
    assert "payments_prod_eu" not in scrub(text)
    assert "'NAME': 'label'" in scrub("    fields = {'NAME': 'label', 'TYPE': 'text'}")


def test_a_bare_key_goes_only_when_its_value_is_key_material() -> None:
    """``key = <random>`` (Django's signing key) goes; cache and dict keys stay."""
    clean = scrub(
        "    key = 'h9Xr2#Lw8vQe5!Tz0Bn4&Ks7Mc1^Yd6P'\n"
        "    key = 'user:1234:profile'\n"
        "    d = {'key': 'orders_by_customer_id'}"
    )
    assert "h9Xr2#Lw8vQe5" not in clean
    assert "key = 'user:1234:profile'" in clean
    assert "'key': 'orders_by_customer_id'" in clean


def test_code_is_no_value() -> None:
    """An attribute named like its key and a subscript are expressions, not secrets, and
    the key's name is never taken for a value found elsewhere."""
    text = (
        '    return Smtp(host=good.host, port="tls", password=good.password)\n'
        '    return oracledb.connect(user=s["user"], password=s["password"], dsn=s["dsn"])'
    )
    assert scrub(text) == text


def test_a_sentence_after_an_error_code_stays() -> None:
    """``expired_token: The token is expired`` (authlib) is prose; ``password: hunter2
    is wrong`` still loses the password."""
    assert scrub("ExpiredTokenError: expired_token: The token is expired").endswith(
        "expired_token: The token is expired"
    )
    assert "hunter2" not in scrub("error: password: hunter2 is wrong")


def test_a_urls_user_information_is_no_key() -> None:
    """``https://x-access-token:<token>@github.com/...``: the URL keeps its host and
    path; the user and the token go."""
    clean = scrub(
        "git push https://x-access-token:ghs_4kQ9mZ2xW7vL1pN8cR3tY6bF0jH5sDgA2Ke@github.com/acme/infra.git"
    )
    assert clean == "git push https://<user>:<token:github>@github.com/acme/infra.git"


def test_a_persons_name_beside_their_address_goes() -> None:
    """``'name': 'Chidi Okonkwo'`` or ``first_name=`` next to an e-mail address is a
    person; a job's name, or a name on a line without an address, stays."""
    clean = scrub(
        "    user = {'id': 88213, 'email': 'chidi.o@brightdata.io', 'name': 'Chidi Okonkwo'}\n"
        "    c = Contact(first_name='Karin', last_name='Lindqvist', email='k@nordwind.se')\n"
        "    job = {'name': 'Nightly Billing', 'owner': 'ops'}"
    )
    assert "Chidi" not in clean
    assert "Karin" not in clean
    assert "Lindqvist" not in clean
    assert "'name': 'Nightly Billing'" in clean


def test_ids_names_and_reprs_that_are_no_values() -> None:
    """A UUID under ``uid``, an action's name under ``token``, asyncio's ``Task-1`` and
    an enum member's repr stay; a weak human password under ``password`` still goes."""
    text = (
        "  uid: 6f1c3a2e-9b7d-4e21-8c5a-0d3f2b1e4a96\n"
        '    kwargs={"token": "set-password"}\n'
        "    databases = {'x': 1}; task = <Task pending name='Task-1' coro=<main()>>\n"
        "    timeout = <_TYPE_DEFAULT.token: -1>"
    )
    assert scrub(text) == text
    assert "correct-horse" not in scrub("password = 'correct-horse-battery'")
