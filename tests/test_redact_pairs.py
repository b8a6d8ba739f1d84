"""Key/value pairs written as 2-tuples (crashreport.redact.pairs)."""

from __future__ import annotations

from crashreport.redact.pairs import KeyValueTuples
from crashreport.redact.scan import Scan
from fixtures.redaction_samples import scrub


def found(text: str) -> list[tuple[str, str]]:
    return [(kind, text[a:b]) for a, b, kind, *_ in KeyValueTuples().hits(Scan(text))]


def test_header_lists_and_metadata_lose_their_secrets() -> None:
    """gRPC metadata and header lists: the value of a sensitive key goes, the scheme of
    an authorization stays."""
    text = "metadata=[('authorization', 'Bearer abc.def.ghi123456789'), ('x-api-key', 'k3yV4lu3')]"
    assert sorted(found(text)) == [("token", "abc.def.ghi123456789"), ("token", "k3yV4lu3")]


def test_the_items_of_a_mapping_are_read_by_their_keys() -> None:
    """``dict_items([...])`` of an environment: passwords, hosts and ports go, the rest
    stays; ASGI's bytes headers too."""
    text = (
        "dict_items([('DB_PASSWORD', 'Pw-12345!'), ('DB_HOST', 'pg.internal.lan'), "
        "('DB_PORT', '25432'), ('LANG', 'C.UTF-8')])\n[(b'cookie', b'sid=abc123def456')]"
    )
    clean = scrub(text)
    assert clean == (
        "dict_items([('DB_PASSWORD', '<password>'), ('DB_HOST', '<host-1>'), "
        "('DB_PORT', '<port>'), ('LANG', 'C.UTF-8')])\n[(b'cookie', b'<secret>')]"
    )


def test_other_tuples_stay() -> None:
    """Tuples whose first item names nothing sensitive, and longer tuples, are kept."""
    for text in ("('name', 'value')", "('password', 'x', 'y')", "('user_count', 3)"):
        assert found(text) == [], text


def test_a_calls_arguments_are_no_tuple() -> None:
    """``cp.get("database", "password")`` names a section and an option: nothing goes."""
    assert found('    return cp.get("database", "password")') == []
