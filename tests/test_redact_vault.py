"""The vault: remembered values, their encoded forms, the sweep and the
placeholders (crashreport.redact.vault)."""

from __future__ import annotations

import json
import urllib.parse

from crashreport.redact.kinds import PLACEHOLDER
from crashreport.redact.scan import Scan
from crashreport.redact.vault import Vault, _encoded_forms, _fragments


def _swept(vault: Vault, text: str) -> list[str]:
    return [text[a:b] for a, b, *_ in vault.sweep(Scan(text))]


def test_encoded_forms_are_the_ways_a_value_is_printed() -> None:
    """URL-encoded (both ways), JSON- and repr-escaped forms of a value."""
    value = 'p@ss w"rd\\x'
    forms = _encoded_forms(value)
    assert value in forms
    assert urllib.parse.quote(value, safe="") in forms
    assert urllib.parse.quote_plus(value, safe="") in forms
    assert json.dumps(value)[1:-1] in forms
    assert repr(value)[1:-1] in forms
    assert _encoded_forms("plain-value_1.2~") == ["plain-value_1.2~"]


def test_fragments_of_a_dotted_token_are_remembered() -> None:
    """A JWT's segments, printed apart by a decoder, are swept on their own."""
    assert _fragments("eyJhbGciOi.eyJzdWIiOjF9.c2lnbmF0dXJl") == [
        "eyJhbGciOi",
        "eyJzdWIiOjF9",
        "c2lnbmF0dXJl",
    ]


def test_the_sweep_finds_every_occurrence_and_respects_word_boundaries() -> None:
    """A host is swept where it stands alone, not inside a longer name."""
    vault = Vault()
    vault.learn("host", "db-7.corp.internal")
    text = "a db-7.corp.internal b DB-7.CORP.INTERNAL c xdb-7.corp.internals"
    assert _swept(vault, text) == ["db-7.corp.internal", "DB-7.CORP.INTERNAL"]


def test_secrets_are_swept_even_inside_words() -> None:
    """A secret glued to other characters is still the secret."""
    vault = Vault()
    vault.learn("password", "Hunter2-xyz")
    assert _swept(vault, "prefixHunter2-xyzsuffix") == ["Hunter2-xyz"]


def test_short_and_common_values_are_not_swept() -> None:
    """ "app", "db", "root", short ports: removed where found, never swept."""
    vault = Vault()
    for kind, value in (("user", "root"), ("database", "app"), ("port", "443"), ("host", "db")):
        vault.learn(kind, value)
    assert _swept(vault, "root app 443 db app.models db.py") == []


def test_ports_are_not_swept_inside_numbers_or_line_numbers() -> None:
    """A port's digits inside a longer number, a version or ``line N`` stay."""
    vault = Vault()
    vault.learn("port", "5432")
    assert _swept(vault, "port 5432, line 5432, 154321, 1.5432, :5432") == ["5432", "5432"]


def test_placeholders_are_numbered_on_first_use_and_counted() -> None:
    """``<host-1>``, ``<host-2>``: numbered in the order used; the summary counts uses."""
    vault = Vault()
    vault.learn("host", "learned-but-never-seen.corp")
    assert vault.use("host", "a.corp.internal") == "<host-1>"
    assert vault.use("host", "A.CORP.INTERNAL") == "<host-1>"
    assert vault.use("host", "b.corp.internal") == "<host-2>"
    assert vault.use("token", "x", "github") == "<token:github>"
    assert vault.use("home", "alice") == "~"
    assert vault.redactions().counts == (("token", 1), ("home", 1), ("host", 2))
    for placeholder in ("<host-1>", "<token:github>"):
        assert PLACEHOLDER.fullmatch(placeholder)


def test_a_copy_knows_what_was_learned_but_used_nothing() -> None:
    """Each report's vault starts from the process's knowledge, with fresh numbering."""
    vault = Vault()
    vault.learn("secret", "process-secret-1")
    vault.use("host", "a.corp.internal")
    twin = vault.copy()
    assert _swept(twin, "x process-secret-1 y") == ["process-secret-1"]
    assert twin.use("host", "b.corp.internal") == "<host-1>"
    assert twin.redactions().counts == (("host", 1),)


def test_cut_copies_of_secrets_are_recognised() -> None:
    """``...tail`` and ``head...`` of a remembered secret are found next to the cut."""
    vault = Vault()
    vault.learn("token", "Zx9pQ2rT7vLmN4kJ")
    text = "LINE 1: ...T7vLmN4kJ' and 'Zx9pQ2r...'"
    assert [text[a:b] for a, b, *_ in vault.truncated(text)] == ["T7vLmN4kJ", "Zx9pQ2r"]


def test_the_user_names_of_token_logins_are_not_swept() -> None:
    """``https://oauth2:<token>@host`` (GitLab), ``x-access-token`` (GitHub), ``__token__``
    (PyPI): the user part is replaced where it stands, never swept into other words."""
    from crashreport.redact import redact_text

    text = (
        "git clone https://oauth2:glpat-Ab3dEf6hIj9kLm2nOp5q@gitlab.acme-corp.com/x.git\n"
        "token_uri = https://oauth2.googleapis.com/token\n"
        "pip install --index-url https://__token__:pypi-AgEIcHlwaS5vcmcCJGUx@pypi.acme-corp.com/ x"
    )
    clean = redact_text(text, environ={}, local=False).text
    assert "https://oauth2.googleapis.com/token" in clean
    assert "glpat-Ab3dEf6hIj9kLm2nOp5q" not in clean
    assert "pypi-AgEIcHlwaS5vcmcCJGUx" not in clean
    assert "gitlab.acme-corp.com" not in clean
    assert "pypi.acme-corp.com" not in clean


def test_a_learned_user_is_found_whatever_its_case() -> None:
    """A home directory's ``lindqvist`` is also ``Lindqvist`` in a person's name."""
    vault = Vault()
    vault.learn("home", "lindqvist")
    text = "author = Karin Lindqvist"
    assert [text[a:b] for a, b, *_ in vault.sweep(Scan(text))] == ["Lindqvist"]


def test_escapes_end_words_but_hyphens_and_dots_join_them() -> None:
    """In MySQL's handshake bytes ``\\x00svc_app\\x00`` the user stands alone; in
    ``elastic-transport`` and ``db.orders.find`` the learned names are parts of others."""
    vault = Vault()
    vault.learn("user", "svc_app")
    vault.learn("user", "elastic")
    vault.learn("database", "orders")
    text = "data = b'\\x00svc_app\\x00' elastic-transport db.orders.find orders"
    found = [(text[a:b], a) for a, b, *_ in vault.sweep(Scan(text))]
    assert [value for value, _ in found] == ["svc_app", "orders"]
    assert found[1][1] == len(text) - len("orders")


def test_a_one_label_host_is_no_part_of_a_dotted_name() -> None:
    """``testclient`` learned as a host is swept as a word, not inside
    ``starlette.testclient.TestClient``; a long name cut by ``...`` goes."""
    vault = Vault()
    vault.learn("host", "testclient")
    vault.learn("database", "invoicing_live")
    text = "connect to testclient; <starlette.testclient.TestClient> 'postgresql:/...nvoicing_live'"
    found = [text[a:b] for a, b, *_ in vault.sweep(Scan(text))]
    assert found == ["testclient"]
    assert [text[a:b] for a, b, *_ in vault.truncated(text)] == ["nvoicing_live"]


def test_the_visible_part_of_a_masked_key_found_elsewhere_goes() -> None:
    """``sk-WIkfA****MeSw``: a mask alone is no secret, but the prefix of a key the
    report holds in full is a piece of it."""
    vault = Vault()
    vault.learn("token", "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")
    text = "Incorrect API key provided: sk-WIkfA************MeSw."
    assert [text[a:b] for a, b, *_ in vault.truncated(text)] == ["sk-WIkfA"]
