"""Values libraries echo when they reject them (crashreport.redact.rejected)."""

from __future__ import annotations

from fixtures.redaction_samples import scrub

PYDANTIC = (
    "pydantic_core._pydantic_core.ValidationError: 2 validation errors for Settings\n"
    "api_key\n"
    "  String should have at least 40 characters [type=too_short, "
    "input_value='ak_4f9Qe7Lm2', input_type=str]\n"
    "    For further information visit https://errors.pydantic.dev/2.14/v/too_short\n"
    "retries\n"
    "  Input should be a valid integer [type=int_parsing, input_value='three', input_type=str]\n"
)


def test_a_pydantic_input_goes_when_its_location_names_a_secret() -> None:
    """The field on the line above the error names the input: ``api_key``'s goes,
    ``retries``' stays, and so does the rest of pydantic's message."""
    clean = scrub(PYDANTIC)
    assert "ak_4f9Qe7Lm2" not in clean
    assert "input_value='three'" in clean
    assert "String should have at least 40 characters [type=too_short" in clean


def test_the_value_after_a_key_pydantic_cut_goes() -> None:
    """A dict cut in the middle shows only the end of ``'password'``: its value goes,
    and so does the host the cut left of a URL."""
    text = (
        "settings\n  Field required [type=missing, input_value={'url': "
        "'amqps://mq-order...rd': 'rabbit_Hole-2024'}, input_type=dict]\n"
    )
    clean = scrub(text)
    assert "rabbit_Hole-2024" not in clean
    assert "mq-order" not in clean
    assert "[type=missing, input_value={'url': 'amqps://" in clean


def test_configparser_interpolation_errors_lose_the_raw_value() -> None:
    """configparser prints the rest of a value holding ``%`` (no option named), and the
    raw value of a named option: the first always goes, the second when the option is
    sensitive."""
    found = scrub("InterpolationSyntaxError: '%' must be followed by '%' or '(', found: '%Zx!9Lm'")
    assert "Zx!9Lm" not in found
    raw = (
        "InterpolationMissingOptionError: Bad value substitution: option 'password' in section "
        "'db' contains an interpolation key 'x' which is not a valid option name. "
        "Raw value: 'Pw%(x)s-77'"
    )
    assert "Pw%(x)s-77" not in scrub(raw)
    kept = raw.replace("option 'password'", "option 'greeting'")
    assert "Raw value: 'Pw%(x)s-77'" in scrub(kept)


def test_an_authority_urllib3_cannot_parse_goes() -> None:
    """``Failed to parse: 'user:pw'`` is a login cut at its password's ``#``; a host
    with a bad port is a host."""
    clean = scrub(
        "LocationParseError: Failed to parse: 'svc-fx:Ab' is not a valid host or port\n"
        "LocationParseError: Failed to parse: 'proxy-3.corp.internal:99999'"
    )
    assert "svc-fx" not in clean
    assert ":Ab'" not in clean
    assert "proxy-3.corp.internal" not in clean
    assert "is not a valid host or port" in clean


def test_netrc_and_configparser_lines_without_their_key() -> None:
    """netrc's ``bad follower token 'x'`` and configparser's ``[line  5]: 'x'`` print a
    value that lost its keyword: it goes."""
    clean = scrub(
        "netrc.NetrcParseError: bad follower token '5d9c2e7a-1b2c-4d5e' (~/.netrc, line 7)\n"
        "configparser.ParsingError: Source contains parsing errors: 'app.ini'\n"
        "\t[line  5]: 'sntryu_977fad47260c0e81f32ada5f948a4cde\\n'"
    )
    assert "5d9c2e7a" not in clean
    assert "sntryu_977fad" not in clean
    assert "[line  5]: '<secret>\\n'" in clean
