"""Configuration: keyword options, the environment over them, and loud errors at install()."""

from __future__ import annotations

import pytest

from crashreport.config import Config, ConfigError, is_loopback_host, split_url


def test_defaults_send_nowhere_and_ask_for_five_minutes() -> None:
    """With no options there is no destination, nothing is dry-run and the prompt waits 300 s."""
    config = Config()
    assert config.endpoint is None
    assert config.dsn is None
    assert config.destination is None
    assert config.dry_run is False
    assert config.prompt_timeout == 300.0
    assert config.keep_unanswered is True


def test_the_environment_overrides_keyword_options() -> None:
    """A CRASHREPORT_* variable wins over the keyword argument of the same option."""
    config = Config.from_sources(
        {"product": "mytool", "version": "1.4.2", "endpoint": "https://a.example.org/r"},
        {
            "CRASHREPORT_PRODUCT": "renamed",
            "CRASHREPORT_ENDPOINT": "https://crash.example.org/v1/reports",
            "CRASHREPORT_DRY_RUN": "yes",
        },
    )
    assert config.product == "renamed"
    assert config.version == "1.4.2"
    assert config.endpoint == "https://crash.example.org/v1/reports"
    assert config.destination == "crash.example.org"
    assert config.dry_run is True


def test_an_empty_variable_does_not_override() -> None:
    """`CRASHREPORT_PRODUCT=` (set but empty) leaves the keyword option in force."""
    config = Config.from_sources({"product": "mytool"}, {"CRASHREPORT_PRODUCT": ""})
    assert config.product == "mytool"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("YES", True), ("on", True), ("0", False), ("off", False)],
)
def test_boolean_variables_accept_the_usual_spellings(raw: str, expected: bool) -> None:
    """1/0, true/false, yes/no and on/off, in any case, are booleans."""
    assert Config.from_sources({}, {"CRASHREPORT_DRY_RUN": raw}).dry_run is expected


def test_a_bad_variable_is_named_in_the_error() -> None:
    """An invalid environment value raises ConfigError naming the variable, not the option."""
    with pytest.raises(ConfigError, match="CRASHREPORT_DRY_RUN='maybe' is not a boolean"):
        Config.from_sources({}, {"CRASHREPORT_DRY_RUN": "maybe"})
    with pytest.raises(ConfigError, match="CRASHREPORT_ENDPOINT"):
        Config.from_sources({}, {"CRASHREPORT_ENDPOINT": "http://crash.example.org/"})


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/r", "http://localhost/r", "http://[::1]:9/r", "http://a.localhost/r"],
)
def test_plain_http_is_allowed_to_loopback_hosts(url: str) -> None:
    """http:// is accepted only when the host is this machine."""
    assert Config(endpoint=url).endpoint == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://crash.example.org/v1", "plain http:// is only allowed for loopback hosts"),
        ("http://127.0.0.1.evil.example/v1", "plain http:// is only allowed for loopback"),
        ("ftp://crash.example.org/", "the scheme must be https://"),
        ("crash.example.org/v1", "is not a URL"),
        ("https:///v1", "has no host"),
        ("https://crash.example.org:99999/v1", "invalid port"),
    ],
)
def test_bad_endpoints_are_refused_with_a_reason(url: str, message: str) -> None:
    """Endpoints that would leak over plain HTTP, or are not URLs, raise ConfigError."""
    with pytest.raises(ConfigError, match=message):
        Config(endpoint=url)


def test_a_sentry_dsn_needs_its_key_and_project_id() -> None:
    """A DSN without a public key or a numeric project id is refused at once."""
    assert Config(dsn="https://abc123@o1.ingest.example.org/42").destination == (
        "o1.ingest.example.org"
    )
    with pytest.raises(ConfigError, match="public key"):
        Config(dsn="https://o1.ingest.example.org/42")
    with pytest.raises(ConfigError, match="numeric project id"):
        Config(dsn="https://abc@o1.ingest.example.org/project")
    with pytest.raises(ConfigError, match="plain http://"):
        Config(dsn="http://abc@sentry.example.org/1")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bogus": 1}, "unknown option"),
        ({"product": ""}, "1-200 printable characters"),
        ({"product": "a\nb"}, "1-200 printable characters"),
        ({"version": 3}, "must be a string"),
        ({"prompt_timeout": 0}, "positive number of seconds"),
        ({"prompt_timeout": True}, "positive number of seconds"),
        ({"send_timeout": "soon"}, "not a number of seconds"),
        ({"dry_run": "perhaps"}, "not a boolean"),
        ({"capture_locals": 1}, "True or False"),
        ({"secrets": "hunter2"}, "not a single string"),
        ({"secrets": ["ok", ""]}, "non-empty strings"),
        ({"rules": [42]}, "not a redaction rule"),
    ],
)
def test_bad_options_raise_config_error_naming_the_option(
    options: dict[str, object], message: str
) -> None:
    """Every invalid option is reported when the Config is built, never at crash time."""
    with pytest.raises(ConfigError, match=message):
        Config(**options)  # type: ignore[arg-type]


def test_config_is_immutable_and_replace_revalidates() -> None:
    """A Config cannot be changed in place; replace() makes a validated copy."""
    config = Config(product="mytool")
    with pytest.raises(AttributeError, match="immutable"):
        config.product = "other"  # type: ignore[misc]
    assert config.replace(version="2.0").version == "2.0"
    assert config.product == "mytool"
    with pytest.raises(ConfigError):
        config.replace(endpoint="http://crash.example.org/")


def test_the_repr_never_shows_registered_secrets() -> None:
    """Printing a Config (in a log, a debugger) shows how many secrets, never their values."""
    text = repr(Config(product="mytool", secrets=("correct-horse-battery",)))
    assert "correct-horse-battery" not in text
    assert "<1 secret(s)>" in text


def test_split_url_reads_host_port_and_path_without_userinfo() -> None:
    """The tiny URL parser finds the host behind user information and brackets."""
    assert split_url("https://u:p@Crash.Example.org:8443/v1?x") == (
        "https",
        "crash.example.org",
        8443,
        "/v1?x",
    )
    assert split_url("http://[::1]:9/r")[1:3] == ("::1", 9)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.4.5", True),
        ("localhost", True),
        ("[::1]", True),
        ("127.0.0.1.example.org", False),
        ("10.0.0.1", False),
        ("localhost.example.org", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    """Only names and addresses that cannot leave the machine count as loopback."""
    assert is_loopback_host(host) is loopback


def test_install_raises_for_bad_configuration_and_installs_nothing() -> None:
    """A mistake in install()'s options is raised at once, and no hook is left behind."""
    import sys

    import crashreport

    before = sys.excepthook
    with pytest.raises(ConfigError, match="plain http://"):
        crashreport.install(product="mytool", endpoint="http://crash.example.org/v1")
    assert sys.excepthook is before
