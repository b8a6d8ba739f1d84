"""Positional bound parameters named by their statement (crashreport.redact.sql)."""

from __future__ import annotations

import pytest

from crashreport.redact.scan import Scan
from crashreport.redact.sql import SqlParameters
from fixtures.redaction_samples import scrub

HASH = "pbkdf2_sha256$600000$Zx81Kq$abcDEF123"


def found(text: str) -> list[tuple[str, str]]:
    return [(kind, text[a:b]) for a, b, kind, *_ in SqlParameters().hits(Scan(text))]


@pytest.mark.parametrize(
    ("statement", "parameters", "expected"),
    [
        (
            "INSERT INTO users (email, password_hash, username) VALUES (?, ?, ?)",
            f"('a@example.org', '{HASH}', 'alice_l')",
            [("secret", HASH), ("user", "alice_l")],
        ),
        (
            "UPDATE accounts SET api_token=%s, updated_at=%s WHERE accounts.id = %s",
            "('tok_9f8e7d6c5b4a3f2e1d0c', datetime.datetime(2026, 11, 25, 12, 0), 42)",
            [("token", "tok_9f8e7d6c5b4a3f2e1d0c")],
        ),
        (
            'SELECT id FROM users WHERE users."username" = ? AND users.password = ?',
            "('bob_admin', 'hunter2-Xy!')",
            [("user", "bob_admin"), ("password", "hunter2-Xy!")],
        ),
    ],
)
def test_a_positional_parameter_is_named_by_its_column(
    statement: str, parameters: str, expected: list[tuple[str, str]]
) -> None:
    """An INSERT's column list, ``column = ?`` in UPDATE and WHERE: the n-th placeholder's
    column is the n-th parameter's key."""
    text = f"sqlalchemy.exc.IntegrityError: (x) y [SQL: {statement}] [parameters: {parameters}]"
    assert found(text) == expected


def test_what_no_column_names_stays() -> None:
    """Parameters of columns that hold nothing sensitive, and placeholders, are kept."""
    text = (
        "[SQL: INSERT INTO orders (id, total, note) VALUES (?, ?, ?)] "
        "[parameters: (7, None, 'hello world')]\n"
        "[SQL: SELECT id FROM users WHERE users.password = ?] [parameters: ()]"
    )
    assert scrub(text) == text


def test_each_statement_names_only_its_own_parameters() -> None:
    """Two errors one after the other: the second's parameters are not read with the
    first's columns."""
    text = (
        "[SQL: UPDATE users SET password = ? WHERE id = ?] [parameters: ('S3cret-Pw!', 1)]\n"
        "[parameters: ('not-a-password', 2)]"
    )
    assert found(text) == [("password", "S3cret-Pw!")]


def test_every_row_of_an_executemany_is_read() -> None:
    """``[parameters: [('a', 'pw1'), ('b', 'pw2')]]``: each row's password goes."""
    text = (
        "[SQL: INSERT INTO users (username, password) VALUES (?, ?)] "
        "[parameters: [('ann_1', 'Pw-one-111'), ('bob_2', 'Pw-two-222')]]"
    )
    assert found(text) == [
        ("user", "ann_1"),
        ("password", "Pw-one-111"),
        ("user", "bob_2"),
        ("password", "Pw-two-222"),
    ]
