"""The pytest plugin, as a host application's CI uses it: small host-app test suites
run by pytester in their own pytest process (the plugin loaded by its ``pytest11``
entry point), against a real HTTP server on 127.0.0.1 where something is sent."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import Receiver, sent_bodies

pytest_plugins = ["pytester"]

HOSTAPP = '''
"""hostapp: a small program that reports its failures with crashreport."""
import socket

import crashreport
from crashreport.consent import consented_from_outbox
from crashreport.transport import for_destination, outbox


def sync(customer):
    raise ConnectionError(f"sync failed for customer {customer} (account 4711)")


def report_sync_failure(customer="Ada Example"):
    """The app's own error handling: report, then carry on."""
    try:
        sync(customer)
    except ConnectionError as exc:
        return crashreport.report_exception(exc)


def send_everything_kept(directory):
    """A bug: reports kept for review are sent without asking anyone."""
    sent = []
    for entry in outbox.entries(directory):
        for_destination(entry.destination, timeout=5).send(consented_from_outbox(entry.payload))
        sent.append(entry.report_id)
    return sent


def ping(url):
    """A bug when called in a dry run: it tells the server the app is there."""
    host, port = url.split("/")[2].split(":")
    with socket.create_connection((host, int(port)), timeout=5):
        pass
'''

CONFTEST = '''
import os

import pytest

import crashreport


@pytest.fixture
def installed(tmp_path):
    """crashreport installed as hostapp does, with its outbox in tmp_path."""
    crashreport.install(
        product="hostapp", version="2.0", endpoint=os.environ["HOSTAPP_ENDPOINT"],
        outbox_dir=str(tmp_path / "outbox"), prompt_timeout=20, send_timeout=20,
    )
    yield tmp_path / "outbox"
    crashreport.uninstall()
'''


def host_suite(pytester: pytest.Pytester, tests: str, *, guard: bool = False) -> None:
    """Write hostapp, its conftest and ``tests`` into ``pytester.path``; with
    ``guard``, ``crashreport_guard = true`` in its pytest configuration."""
    options = ["[pytest]", "addopts = --strict-markers --strict-config -p no:cacheprovider"]
    options.append("filterwarnings = error")
    if guard:
        options.append("crashreport_guard = true")
    pytester.makeini("\n".join(options) + "\n")
    pytester.makepyfile(hostapp=HOSTAPP, conftest=CONFTEST, test_host=textwrap.dedent(tests))


@pytest.fixture
def host_env(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> Receiver:
    """The host suites' environment: private data dirs, no crashreport settings, and
    the receiver's URL as hostapp's endpoint."""
    for name in ("CI", "DO_NOT_TRACK", "PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    for name in list(__import__("os").environ):
        if name.startswith("CRASHREPORT_"):
            monkeypatch.delenv(name)
    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(pytester.path / name.lower()))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("HOSTAPP_ENDPOINT", receiver.url)
    return receiver


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """The host suite in a pytest process of its own, as its CI runs it."""
    return pytester.runpytest_subprocess("-v", *args, timeout=300)


def report_ids(result: pytest.RunResult) -> list[str]:
    """The report ids the host tests printed (``REPORT <id>``)."""
    return re.findall(r"REPORT ([0-9a-f-]{36})", result.stdout.str())


# ---------------------------------------------------------------- consent


def test_a_suite_that_sends_without_consent_fails_naming_the_report(
    pytester: pytest.Pytester, host_env: Receiver
) -> None:
    """With ``crashreport_guard = true``, host code that sends a report nobody agreed
    to fails its test with a message naming that report, and the report never reaches
    the server; a test exempted by ``crashreport_guard(False)`` is not judged (its
    report goes out, as it would without the plugin)."""
    host_suite(
        pytester,
        """
        import pytest
        import hostapp

        def test_kept_reports_are_sent_later(installed):
            outcome = hostapp.report_sync_failure()
            print("REPORT", outcome.report_id)
            assert outcome.status.value == "kept"  # nobody at a terminal in CI
            assert hostapp.send_everything_kept(installed) == [outcome.report_id]

        @pytest.mark.crashreport_guard(False)
        def test_exempt(installed):
            hostapp.report_sync_failure()
            print("EXEMPT", hostapp.send_everything_kept(installed))
        """,
        guard=True,
    )
    result = run(pytester, "-s")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["FAILED test_host.py::test_kept_reports_are_sent_later*"])
    (report_id,) = report_ids(result)
    result.stdout.fnmatch_lines(
        [
            f"*report {report_id} was sent to 127.0.0.1 without a recorded yes: "
            "it was kept in the outbox for review, and nobody agreed to send it*"
        ]
    )
    exempt = re.findall(r"EXEMPT \['([0-9a-f-]{36})'\]", result.stdout.str())
    assert len(exempt) == 1
    assert [json.loads(body)["id"] for body in sent_bodies(host_env)] == exempt


def test_a_suite_that_declines_passes_and_a_yes_really_arrives(
    pytester: pytest.Pytester, host_env: Receiver
) -> None:
    """Under the suite-wide guard, scripted answers go through the real prompt: "no"
    sends nothing, view-then-yes sends exactly the report to the real server (the
    guard alone changes nothing that is sent), and NOBODY keeps it for review -- in
    the test's private outbox (``crashreport_outbox``)."""
    host_suite(
        pytester,
        """
        import os
        import crashreport
        import hostapp

        def test_declined(installed, crashreport_answers):
            crashreport_answers.script("no")
            assert hostapp.report_sync_failure().status.value == "declined"

        def test_viewed_then_sent(installed, crashreport_answers):
            crashreport_answers.script("view", "yes")
            outcome = hostapp.report_sync_failure()
            print("REPORT", outcome.report_id)
            assert outcome.status.value == "sent"

        def test_nobody_there(crashreport_outbox, crashreport_answers):
            crashreport.install(endpoint=os.environ["HOSTAPP_ENDPOINT"])
            crashreport_answers.script("nobody")
            outcome = hostapp.report_sync_failure()
            crashreport.uninstall()
            assert outcome.status.value == "kept"
            assert crashreport_outbox.report_ids("review") == [outcome.report_id]
        """,
        guard=True,
    )
    result = run(pytester, "-s")
    result.assert_outcomes(passed=3)
    (report_id,) = report_ids(result)
    (body,) = sent_bodies(host_env)
    assert json.loads(body)["id"] == report_id


def test_a_script_the_prompt_does_not_use_up_fails(
    pytester: pytest.Pytester, host_env: Receiver
) -> None:
    """A scripted conversation that is never asked, and a prompt nobody scripted, each
    fail their test with what went wrong (no guard needed: the script is the promise)."""
    host_suite(
        pytester,
        """
        import hostapp

        def test_scripted_but_never_asked(crashreport_answers):
            crashreport_answers.script("yes")

        def test_asked_but_never_scripted(installed, crashreport_answers):
            assert hostapp.report_sync_failure().status.value == "kept"
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=2)
    output = result.stdout.str()
    assert "a scripted conversation was never asked: [SEND] (no report was offered" in output
    assert re.search(r"the prompt opened for report [0-9a-f-]{36}, but no answers were", output)
    assert host_env.requests == []


# ---------------------------------------------------------------- secrets


def test_a_suite_that_leaks_a_planted_secret_fails(
    pytester: pytest.Pytester, host_env: Receiver
) -> None:
    """A planted secret that redaction cannot know (a customer's name) fails the test
    that looks for it, naming the report and the place; once the host app registers
    it, the same check passes. Recorded sends are captured: the server gets nothing."""
    host_suite(
        pytester,
        """
        import crashreport
        import hostapp

        def test_leaks(installed, crashreport_answers, crashreport_sent):
            crashreport_answers.script("yes")
            outcome = hostapp.report_sync_failure("Zebulon Quartermaine")
            print("REPORT", outcome.report_id)
            assert outcome.status.value == "sent"
            crashreport_sent.assert_no_secrets("Zebulon Quartermaine")

        def test_registered(installed, crashreport_answers, crashreport_sent):
            crashreport.register_secret("Philippa Underhay")
            crashreport_answers.script("comment: it broke for Philippa Underhay", "yes")
            assert hostapp.report_sync_failure("Philippa Underhay").status.value == "sent"
            assert [sent.consent for sent in crashreport_sent.sent] == ["prompt"]
            crashreport_sent.assert_no_secrets("Philippa Underhay")
        """,
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    (report_id,) = report_ids(result)
    result.stdout.fnmatch_lines(
        [
            "*SecretLeaked: planted secret(s) leaked:*",
            f"*the secret 'Zebulon Quartermaine' is in the payload sent for report {report_id}*",
        ]
    )
    assert host_env.requests == []


# ---------------------------------------------------------------- dry runs


def test_a_dry_run_that_opens_a_socket_fails(pytester: pytest.Pytester, host_env: Receiver) -> None:
    """A socket opened in a test body marked as a dry run, or by a host's redaction
    rule while crashreport handles a dry-run report, fails the test and is refused;
    a dry run that opens nothing passes."""
    host_suite(
        pytester,
        """
        import os
        import pytest
        import crashreport
        import hostapp

        ENDPOINT = os.environ["HOSTAPP_ENDPOINT"]

        @pytest.mark.crashreport_guard(dry_run=True)
        def test_body_pings(installed):
            crashreport.install(endpoint=ENDPOINT, dry_run=True)
            assert hostapp.report_sync_failure().status.value == "dry_run"
            hostapp.ping(ENDPOINT)

        def vault_rule(text):
            hostapp.ping(ENDPOINT)  # looks secrets up on a server: not in a dry run
            return []

        @pytest.mark.crashreport_guard
        def test_rule_pings(tmp_path):
            crashreport.install(endpoint=ENDPOINT, dry_run=True, rules=[vault_rule],
                                outbox_dir=str(tmp_path))
            outcome = hostapp.report_sync_failure()
            print("REPORT", outcome.report_id)
            assert outcome.status.value == "redaction_failed"  # the refusal: fail closed

        @pytest.mark.crashreport_guard(dry_run=True)
        def test_quiet_dry_run(tmp_path, crashreport_sent):
            crashreport.install(endpoint=ENDPOINT, dry_run=True, outbox_dir=str(tmp_path))
            assert hostapp.report_sync_failure().status.value == "dry_run"
            assert crashreport_sent.sent == []
            assert "dry run: nothing was sent" in crashreport_sent.shown()
        """,
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=2)
    port = host_env.port
    result.stdout.fnmatch_lines(
        [f"*a name lookup of '127.0.0.1' (port {port}) was attempted during a dry run*refused*"]
    )
    (report_id,) = report_ids(result)
    result.stdout.fnmatch_lines(
        [f"*was attempted during the dry run of report {report_id}*hostapp.py*in ping*"]
    )
    assert host_env.requests == []


# ---------------------------------------------------------------- unused


PLAIN = """
import pytest
import hostapp

def test_passes():
    assert 1 + 1 == 2

def test_fails():
    assert 1 + 1 == 3

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass

@pytest.mark.xfail(reason="known", strict=True)
def test_xfails():
    raise ValueError

def test_reports_with_nobody_to_ask(installed):
    assert hostapp.report_sync_failure().status.value == "kept"

def test_uses_tmp_path(tmp_path, monkeypatch):
    monkeypatch.setenv("X", "1")
    (tmp_path / "f").write_text("x")
"""


def _verdicts(result: pytest.RunResult) -> list[str]:
    return sorted(
        line.split(" ")[0] + " " + line.split(" ")[1]
        for line in result.outlines
        if re.match(r"test_host\.py::\S+ (PASSED|FAILED|SKIPPED|XFAIL|XPASS|ERROR)", line)
    )


def test_the_plugin_installed_but_unused_changes_no_outcome(
    pytester: pytest.Pytester, host_env: Receiver
) -> None:
    """A plain suite (one test even reports a crash) has the same verdicts with the
    plugin loaded and with ``-p no:crashreport``; loaded, it is there (its marker is
    listed) yet no test gets a fixture of it."""
    host_suite(pytester, PLAIN)
    loaded = run(pytester)
    unloaded = run(pytester, "-p", "no:crashreport")
    assert _verdicts(loaded) == _verdicts(unloaded)
    assert len(_verdicts(loaded)) == 6
    loaded.assert_outcomes(passed=3, failed=1, skipped=1, xfailed=1)
    unloaded.assert_outcomes(passed=3, failed=1, skipped=1, xfailed=1)
    markers = pytester.runpytest_subprocess("--markers", timeout=120)
    markers.stdout.fnmatch_lines(["*@pytest.mark.crashreport_guard(enabled=True, *, dry_run=*"])
    used = pytester.runpytest_subprocess("--fixtures-per-test", timeout=120)
    assert "crashreport_" not in used.stdout.str()
    assert host_env.requests == []


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    """Importing the plugin module (as pytest does on start) loads no part of
    crashreport beyond its light package and none of httpx, questionary,
    prompt_toolkit or attrs."""
    code = (
        "import sys; import crashreport.pytest_plugin; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'questionary', 'prompt_toolkit', 'attrs', 'platformdirs') "
        "or m.startswith(('crashreport.testing', 'crashreport.handle', 'crashreport.consent', "
        "'crashreport.transport'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_the_entry_point_names_this_module() -> None:
    """The ``pytest11`` entry point ``crashreport`` is this plugin module (so
    ``-p no:crashreport`` turns it off)."""
    from importlib.metadata import entry_points

    (point,) = [p for p in entry_points(group="pytest11") if p.name == "crashreport"]
    assert point.value == "crashreport.pytest_plugin"
    assert Path(point.load().__file__).name == "pytest_plugin.py"
