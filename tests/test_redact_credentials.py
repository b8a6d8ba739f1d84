"""Credentials: vendor tokens, random keys, private keys, headers, command-line
secrets (crashreport.redact.credentials)."""

from __future__ import annotations

import pytest

from crashreport.redact.credentials import (
    AuthorizationHeaders,
    CommandLineSecrets,
    PrivateKeys,
    RandomTokens,
    VendorTokens,
    looks_random,
)
from fixtures.redaction_samples import scrub
from fixtures.secrets import (
    AWS_SECRET_ACCESS_KEY,
    DB_PASSWORD,
    PEM,
    PEM_BODY,
    RANDOM_KEY,
    SESSION_TOKEN,
    VENDOR_TOKENS,
)


@pytest.mark.parametrize(("label", "token"), sorted(VENDOR_TOKENS.items()))
def test_vendor_tokens_are_found_by_format_alone(label: str, token: str) -> None:
    """Each vendor's token is recognised anywhere, and labelled with its vendor."""
    text = f"request failed: {token} was rejected"
    findings = list(VendorTokens()(text))
    assert findings
    assert text[findings[0].start : findings[0].end] == token
    assert findings[0].label == label
    assert scrub(text) == f"request failed: <token:{label}> was rejected"


@pytest.mark.parametrize("wrap", ["'{}'", '"{}"', "={}&x=1", "/v1/{}/items", "\\n{}\\n", "({})"])
def test_vendor_tokens_are_found_in_any_surrounding(wrap: str) -> None:
    """Quotes, query strings, URL paths, repr escapes and brackets do not hide a token."""
    token = VENDOR_TOKENS["github"]
    assert token not in scrub("x " + wrap.format(token) + " y")


def test_a_token_glued_to_a_word_is_not_a_token() -> None:
    """A vendor prefix inside a longer word (``xghp_...``) is not a token start."""
    assert list(VendorTokens()("prefixghp_" + "a" * 36)) == []


def test_an_sts_session_token_and_a_jwt_segment() -> None:
    """AWS session tokens and one JWT segment on its own are tokens too."""
    jwt_header = VENDOR_TOKENS["jwt"].split(".")[0]
    out = scrub(f"token {SESSION_TOKEN}\nsigning_input header {jwt_header} end")
    assert SESSION_TOKEN not in out
    assert jwt_header not in out


def test_masked_vendor_keys_stay() -> None:
    """``sk_live_****Meu8`` as vendors print it is masked already: four characters of
    a key identify nothing, and the message keeps telling which key it was."""
    text = "Invalid API Key provided: sk_live_51Hx****************Meu8"
    assert scrub(text) == text
    assert scrub("key = 'sk-proj-****Xq2A'") == "key = 'sk-proj-****Xq2A'"


def test_random_keys_without_a_prefix_are_found_by_shape() -> None:
    """Long mixed-case strings with digits and high entropy are tokens."""
    assert looks_random(RANDOM_KEY)
    assert scrub(f"key {RANDOM_KEY} rejected") == "key <token> rejected"
    assert AWS_SECRET_ACCESS_KEY not in scrub(f"creds ('AKIA', '{AWS_SECRET_ACCESS_KEY}')")


@pytest.mark.parametrize(
    "value",
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "5f0c2b1e-8d7a-4e3b-9c2d-1a0b9c8d7e6f",
        "AsyncAdapt_asyncpg_connection",
        "test_connection_refused_twice",
        "SQLALCHEMY_DATABASE_URI_SETTING",
        "aaaaaaaaaaBBBBBBBBBB1111111111",
    ],
)
def test_digests_identifiers_and_words_are_not_random(value: str) -> None:
    """Hex digests, UUIDs, identifiers, constants and low-entropy strings are kept."""
    assert list(RandomTokens()(f"x {value} y")) == []


@pytest.mark.parametrize(
    "form",
    [PEM, PEM.replace("\n", "\\n"), PEM.replace("\n", "\\\\n"), PEM[: len(PEM) // 2]],
)
def test_private_keys_go_whole_raw_escaped_or_cut(form: str) -> None:
    """A PEM block is removed whole, with real newlines, escaped ones, or cut short."""
    out = scrub(f"key = '{form}'")
    assert "<private-key>" in out
    for line in PEM_BODY.splitlines():
        assert line[:16] not in out
    assert list(PrivateKeys()(f"x {form}"))


@pytest.mark.parametrize(
    ("text", "credential"),
    [
        ("curl -H 'Authorization: Bearer eyJhbGciOi.abcDEF123ghi'", "eyJhbGciOi.abcDEF123ghi"),
        ("sent Basic dXNlcjpwYXNzd29yZA== upstream", "dXNlcjpwYXNzd29yZA=="),
        ("header Token abc123def456ghi7 refused", "abc123def456ghi7"),
    ],
)
def test_credentials_after_an_authorization_scheme(text: str, credential: str) -> None:
    """``Bearer``, ``Basic``, ``Token`` credentials go; the scheme word stays."""
    out = scrub(text)
    assert credential not in out
    assert any(word in out for word in ("Bearer", "Basic", "Token"))


def test_scheme_words_in_prose_are_kept() -> None:
    """``Token expired``, ``Basic authentication required`` are not credentials."""
    text = "Token expired; Basic authentication required"
    assert list(AuthorizationHeaders()(text)) == []


@pytest.mark.parametrize(
    "text",
    [
        f"mysqldump -u backup -p{DB_PASSWORD} shop",
        f"pg_dump --password {DB_PASSWORD} shop",
        f"argv = ['app', '--db-password', '{DB_PASSWORD}']",
        f"run --api-token={DB_PASSWORD}",
    ],
)
def test_command_line_secrets(text: str) -> None:
    """Secrets passed as options (``--password X``, ``-pX`` for MySQL) are removed."""
    assert DB_PASSWORD not in scrub(text)
    assert list(CommandLineSecrets()(text)) or DB_PASSWORD not in scrub(text)


def test_options_that_are_not_secrets_are_kept() -> None:
    """``--verbose``, ``-p 3`` without a user, ``--password-file`` paths stay."""
    text = "app --verbose -p 3 --password-file=/run/secrets/db"
    assert scrub(text) == text


def test_a_url_encoded_name_is_no_token() -> None:
    """``driver=ODBC+Driver+18+for+SQL+Server`` (a query string's spaces): words, not
    a random key -- while base64 with ``+`` between random-case runs still is one."""
    name = "mssql+pyodbc://<user>:***@<host-1>/db?driver=ODBC+Driver+18+for+SQL+Server"
    assert scrub(name) == name
    key = "kJ8+Lm9/Np0Qr1St2Uv3Wx4Yz5Ab6Cd7Ef8Gh9Ij0Kl1Mn2"
    assert key not in scrub(f"sasl.password={key}")
    assert key not in scrub(f"blob {key} end")


def test_a_tools_hyphenated_directory_is_no_token() -> None:
    """poetry's ``<project>-<hash>-py3.11`` stays; a base64url token with hyphens goes."""
    path = "/root/.cache/pypoetry/virtualenvs/acme-worker-Zx1kQ9aB-py3.11/lib"
    assert scrub(path) == path
    assert "aB3kLmQ7pR2sT4vW" not in scrub("x = 'Zx9-aB3kLmQ7pR2sT4vW6yZ8bC1dE3fG5'")


def test_more_vendor_formats() -> None:
    """Notion, Telegram (the bot's number included) and Mailchimp keys go by their
    format alone; base64 of JSON that is no JWT's (a cursor) stays."""
    clean = scrub(
        "    auth = 'Bearer secret_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfG'\n"
        "    url = 'https://api.telegram.org/bot7412839506:AAHk3mZ9xQ2wL7vN4pR1sT8uY6bF0jD5cGe/getMe'\n"
        "    key = '6d2c43ff6c2477a6326af839deb628ab-us21'\n"
        "    cursor = 'eyJwYWdlIjogMiwgInBlcl9wYWdlIjogNTB9'"
    )
    assert "<token:notion>" in clean
    assert "bot<token:telegram>/getMe" in clean
    assert "<token:mailchimp>" in clean
    assert "cursor = 'eyJwYWdlIjogMiwgInBlcl9wYWdlIjogNTB9'" in clean


def test_an_image_digest_is_no_login() -> None:
    """``registry/web@sha256:...`` names an image, not ``user/password@host``."""
    clean = scrub("image = 'ghcr.io/acme/web@sha256:6105d6cc76af400325e94d588ce511be5bfdbb73b4'")
    assert clean == "image = 'ghcr.io/acme/web@sha256:6105d6cc76af400325e94d588ce511be5bfdbb73b4'"
