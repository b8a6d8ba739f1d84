"""Key names and values: which keys hold secrets, where a value ends, which
values are not secrets at all (crashreport.redact.syntax)."""

from __future__ import annotations

import pytest

from crashreport.redact.syntax import MAX_VALUE, classify_key, key_endings, read_value, skip_value


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("password", "password"),
        ("db_password", "password"),
        ("PGPASSWORD", "password"),
        ("dbPassword", "password"),
        ("pwd", "password"),
        ("PWD", "password"),
        ("passwd", "password"),
        ("sasl.password", "password"),
        ("api_key", "token"),
        ("apikey", "token"),
        ("x-api-key", "token"),
        ("access_token", "token"),
        ("AWS_SECRET_ACCESS_KEY", "token"),
        ("client_secret", "secret"),
        ("private_key", "secret"),
        ("session", "secret"),
        ("cookie", "secret"),
        ("Authorization", "token"),
        ("credential", "secret"),
        ("password_hash", "secret"),
        ("host", "host"),
        ("PGHOST", "host"),
        ("REDIS_HOST", "host"),
        ("Server", "host"),
        ("bootstrap.servers", "host"),
        ("Data Source", "host"),
        ("port", "port"),
        ("PGPORT", "port"),
        ("user", "user"),
        ("username", "user"),
        ("UID", "user"),
        ("User Id", "user"),
        ("user_name", "user"),
        ("cn", "user"),
        ("account", "user"),
        ("dbname", "database"),
        ("Database", "database"),
        ("Initial Catalog", "database"),
        ("SERVICE_NAME", "database"),
        ("keyspace", "database"),
    ],
)
def test_sensitive_keys_are_classified_by_their_last_word(key: str, kind: str) -> None:
    """Keys in any case and separator style are read by their last word (or suffix)."""
    assert classify_key(key) == kind


@pytest.mark.parametrize(
    "key",
    [
        "password_policy",
        "password_length",
        "token_type",
        "max_password_age",
        "public_key",
        "publishable_key",
        "virtual_host",
        "known_hosts",
        "key_id_prefix",
        "name",
        "filename",
        "hostname_pattern",
        "sslmode",
        "timeout",
        "x" * 70 + "password",
    ],
)
def test_keys_about_secrets_are_not_secrets(key: str) -> None:
    """A key that describes a secret, or names a public thing, holds no secret."""
    assert classify_key(key) is None


def test_every_classified_key_ends_with_a_listed_ending() -> None:
    """The separator-first search relies on every sensitive key ending with a listed ending."""
    endings = tuple(key_endings())
    for key in ("db_password", "PGHOST", "User Id", "Initial Catalog", "sessionid", "apikey"):
        assert classify_key(key) is not None
        assert key.lower().endswith(endings)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'hunter2' rest", "hunter2"),
        ('"hunter2" rest', "hunter2"),
        ("b'hunter2'", "hunter2"),
        (r"'it\'s' rest", r"it\'s"),
        ("{a;b}; next", "a;b"),
        ("hunter2 next", "hunter2"),
        ("hunter2;next", "hunter2"),
        ("hunter2&next", "hunter2"),
        ("hunter2, next", "hunter2"),
        ("hunter2.", "hunter2"),
        (r"hunter2\nnext", "hunter2"),
        ("'cut short", "cut short"),
    ],
)
def test_read_value_finds_where_a_value_ends(text: str, value: str) -> None:
    """Quoted, braced and bare values end where their syntax says they do."""
    span = read_value(text, 0)
    assert span is not None
    assert text[span[0] : span[1]] == value


def test_read_value_to_line_end_keeps_spaces() -> None:
    """``PASSWORD: two words`` (YAML) reads to the end of the line."""
    text = "two words here,\nnext: x"
    span = read_value(text, 0, to_line_end=True)
    assert span is not None
    assert text[span[0] : span[1]] == "two words here"


def test_read_value_is_bounded() -> None:
    """A value is never read further than MAX_VALUE characters."""
    text = "'" + "x" * (MAX_VALUE * 3)
    span = read_value(text, 0)
    assert span is not None
    assert span[1] - span[0] < MAX_VALUE


@pytest.mark.parametrize("text", ["", "'", "{dict: 1}", "{}", " x"])
def test_read_value_finds_no_value(text: str) -> None:
    """An empty, dict-like or missing value is no value."""
    assert read_value(text, 0) is None


@pytest.mark.parametrize(
    "value",
    [
        "None",
        "null",
        "",
        "****",
        "xxxxxx",
        "${DB_PASSWORD}",
        "{{ secret }}",
        "%(password)s",
        "<password>",
        "[REDACTED]",
        "settings.DB_PASSWORD",
        "os.environ",
        "ValueError",
        "psycopg.OperationalError",
        "DeprecationWarning",
    ],
)
def test_values_that_are_not_secrets_are_skipped(value: str) -> None:
    """Empty, masked, templated, placeholder, code-reference and exception-name values
    are left alone."""
    assert skip_value(value)


@pytest.mark.parametrize(
    "value", ["hunter2", "Onyx-birch-5319~", "p@ss:w/rd", "a.b.c.example", "Error-7f3kQ", "myError"]
)
def test_real_values_are_not_skipped(value: str) -> None:
    """Real secrets, weak or strong, are never skipped."""
    assert not skip_value(value)


def test_a_call_is_code_not_a_value() -> None:
    """``password=get_password()``: a value followed by a call is a reference in code."""
    assert skip_value("get_password", followed_by="(")


def test_f_strings_odbc_escapes_and_format_fields() -> None:
    """``f"..."`` is a quoted value; ODBC's ``}}`` is a ``}`` inside braces; a format
    field named like a key (``{token}``) is no value."""
    text = 'f"Bearer {api_key}"'
    assert read_value(text, 0) == (2, len(text) - 1)
    odbc = "{Pa;ss}}w0rd=9};UID=sa"
    span = read_value(odbc, 0)
    assert span is not None
    assert odbc[span[0] : span[1]] == "Pa;ss}}w0rd=9"
    assert read_value("{token}&x=1", 0) is None
