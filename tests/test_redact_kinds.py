"""What redaction removes: kinds, placeholders, the summary (crashreport.redact.kinds)."""

from __future__ import annotations

from crashreport.redact.kinds import KINDS, PLACEHOLDER, Redactions
from crashreport.redact.vault import Vault


def test_every_placeholder_the_vault_writes_is_protected() -> None:
    """Each kind's placeholder matches the pattern that protects it from a second pass."""
    vault = Vault()
    for kind in KINDS:
        placeholder = vault.use(kind, f"value-of-{kind}", "github" if kind == "token" else "")
        assert placeholder == "~" or PLACEHOLDER.fullmatch(placeholder), placeholder


def test_the_summary_reads_like_a_sentence() -> None:
    """Counts by kind, singular or plural, in the order of KINDS."""
    summary = Redactions((("password", 2), ("host", 1), ("port", 3))).summary()
    assert summary == "removed: 2 passwords, 1 host, 3 ports"
    assert Redactions().summary() == "removed: nothing"
    assert list(KINDS)[:2] == ["private_key", "password"]


def test_values_that_identify_nothing_stay() -> None:
    """root and the ports services listen on by default stay, wherever they are found;
    an unusual port goes."""
    from fixtures.redaction_samples import scrub

    assert (
        scrub("mysql --user root -P 3306 -h 127.0.0.1") == "mysql --user root -P 3306 -h 127.0.0.1"
    )
    assert (
        scrub("connect to http://localhost:8000/o/token/")
        == "connect to http://localhost:8000/o/token/"
    )
    assert "45873" not in scrub("connection to server at h, port 45873 failed")


def test_system_databases_and_generic_users_stay() -> None:
    """``postgres``, ``admin`` and ``anonymous`` name no deployment and no one."""
    from fixtures.redaction_samples import scrub

    text = "url = postgresql+psycopg2://localhost:5432/postgres, authSource=admin, user='anonymous'"
    assert scrub(text) == text
