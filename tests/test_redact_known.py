"""Known secrets: the process environment and base64 forms (crashreport.redact.known)."""

from __future__ import annotations

import base64
import os

import pytest

from crashreport.redact.known import (
    base64_forms,
    environment_secrets,
    environment_texts,
    read_environment,
)
from fixtures.secrets import DSN, GITHUB_TOKEN, STRIPE_KEY


def test_sensitive_variable_names_give_their_values() -> None:
    """``*_PASSWORD``, ``*_TOKEN``, ``*_SECRET``, ``*_KEY`` values are secrets; others not."""
    env = {
        "DB_PASSWORD": "pw-7781-xy",
        "GITHUB_TOKEN": GITHUB_TOKEN,
        "STRIPE_SECRET_KEY": STRIPE_KEY,
        "PWD": "/home/someone/src",
        "HOME": "/home/someone",
        "PATH": "/usr/bin",
        "SHORT_TOKEN": "abc",
    }
    assert sorted(environment_secrets(env)) == sorted(["pw-7781-xy", GITHUB_TOKEN, STRIPE_KEY])


def test_connection_strings_in_the_environment_are_learned_from() -> None:
    """``DATABASE_URL`` and ``*_DSN`` values are read as texts to learn parts from."""
    env = {
        "DATABASE_URL": DSN,
        "SENTRY_DSN": "https://k@o1.ingest.sentry.io/2",
        "API_URL": "https://x",
    }
    assert environment_texts(env) == [DSN, "https://k@o1.ingest.sentry.io/2"]


def test_os_environ_is_read_like_any_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path over os.environ gives the same answer as reading it as a mapping."""
    monkeypatch.setenv("CR_TEST_API_TOKEN", "tok-" + GITHUB_TOKEN[4:20])
    monkeypatch.setenv("CR_TEST_DSN", DSN)
    assert read_environment(os.environ) == read_environment(dict(os.environ))
    secrets, texts = read_environment(os.environ)
    assert "tok-" + GITHUB_TOKEN[4:20] in secrets
    assert DSN in texts


@pytest.mark.parametrize("prefix", [b"", b"x", b"xy", b'{"k": "', b"user:"])
def test_base64_forms_are_found_in_any_blob(prefix: bytes) -> None:
    """Whatever precedes a secret in an encoded blob, one of its forms is in the base64."""
    secret = "hunter2-" + GITHUB_TOKEN[4:16]
    blob = base64.b64encode(prefix + secret.encode() + b'", "n": 1}').decode()
    urlsafe = base64.urlsafe_b64encode(prefix + secret.encode() + b"??>>").decode()
    forms = base64_forms(secret)
    assert any(form in blob for form in forms)
    assert any(form in urlsafe for form in forms)
