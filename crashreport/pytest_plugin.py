"""crashreport's pytest plugin: let a host app's CI prove nothing is sent without consent.

Registered as the ``crashreport`` plugin (``pytest11`` entry point; turn it
off with ``-p no:crashreport``). Loaded, it does nothing by itself: no
autouse fixture, and nothing of crashreport beyond the package's light
``__init__`` is imported until a test asks for one of these:

``crashreport_sent``
    A ``crashreport.testing.Recording`` of everything the test's code showed
    and tried to send -- through any transport -- with the payload of each
    report and the text shown before its yes. Captured only: nothing leaves
    the process, and each consented send is answered as delivered (one sent
    again from the outbox as "try again later", so it stays there). Set
    ``crashreport_sent.deliver = True`` (before the code sends) to also
    deliver to the real server, such as a test server on 127.0.0.1.
``crashreport_answers``
    A ``crashreport.testing.Answers``: ``crashreport_answers.script("view",
    "yes")`` scripts the next consent prompt, through the real prompt code.
    A test fixture API only: nothing else answers the prompt.
``crashreport_guard``
    A ``crashreport.testing.Guard``: the test fails if a report is sent
    without a recorded yes (the message names the report), or if a socket is
    opened during a dry run -- a report handled with ``dry_run``, or
    ``with crashreport_guard.dry_run():``. Sends still go where they would.
``crashreport_outbox``
    A ``crashreport.testing.Outbox``: a private outbox directory for the test
    (``CRASHREPORT_OUTBOX_DIR``), and what waits in it.

A report nothing consented to is never delivered, guard or not. What is
watched is the test's own process (every thread of it), not programs it
starts as subprocesses.

The guard for a whole suite: ``crashreport_guard = true`` in the pytest
configuration. For one test or module: ``@pytest.mark.crashreport_guard``;
``@pytest.mark.crashreport_guard(dry_run=True)`` makes the whole test body a
dry run; ``@pytest.mark.crashreport_guard(False)`` exempts a test from the
suite's guard.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pathlib import Path

    from crashreport.testing import Answers, Guard, Outbox, Recording, Watch

__all__ = [
    "crashreport_answers",
    "crashreport_guard",
    "crashreport_outbox",
    "crashreport_sent",
]

INI = "crashreport_guard"
MARKER = "crashreport_guard"
_MARKER_HELP = (
    "crashreport_guard(enabled=True, *, dry_run=False): fail the test if crashreport sends a "
    "report without a recorded yes, or (dry_run=True: the whole test body is a dry run) opens "
    "a socket during a dry run; crashreport_guard(False) exempts a test from the ini option"
)
_WATCH = pytest.StashKey["Watch"]()
_CHECKS = "crashreport-checks"


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``crashreport_guard`` ini option."""
    parser.addini(
        INI,
        type="bool",
        default=False,
        help="crashreport: guard every test (no report sent without a recorded yes, "
        "no socket during a dry run)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; with the ini option on, the per-test checks."""
    config.addinivalue_line("markers", _MARKER_HELP)
    if config.getini(INI):
        _checks(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The per-test checks are registered only if some test is marked for them."""
    if not config.pluginmanager.has_plugin(_CHECKS) and any(
        item.get_closest_marker(MARKER) is not None for item in items
    ):
        _checks(config)


def _checks(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(_CHECKS):
        config.pluginmanager.register(_Checks(), _CHECKS)


def _guard_wanted(item: pytest.Item) -> tuple[bool, bool]:
    """(guard on, whole body a dry run) for ``item``, from its marker and the ini option."""
    marker = item.get_closest_marker(MARKER)
    if marker is None:
        return bool(item.config.getini(INI)), False
    unknown = set(marker.kwargs) - {"enabled", "dry_run"}
    if unknown or len(marker.args) > 1:
        pytest.fail(
            f"the crashreport_guard marker takes (enabled=True, *, dry_run=False), "
            f"not args {marker.args!r} and keywords {marker.kwargs!r}",
            pytrace=False,
        )
    enabled = bool(marker.args[0] if marker.args else marker.kwargs.get("enabled", True))
    dry_run = bool(marker.kwargs.get("dry_run", False))
    return enabled or dry_run, dry_run


def _watch(item: pytest.Item) -> Watch:
    """The test's one ``Watch``: started on first use, stopped after the test's teardown."""
    found = item.stash.get(_WATCH, None)
    if found is not None:
        return found
    from crashreport.testing import Watch

    _checks(item.config)  # whose teardown hook stops it
    made = Watch(deliver=True)  # the guard alone changes nothing that is sent
    made.start()
    item.stash[_WATCH] = made
    return made


def _fail(item: pytest.Item, when: str, failures: list[str], *, failing: bool) -> None:
    """Fail the test phase with ``failures``; if it is failing already, add them to its report."""
    if not failures:
        return
    from crashreport.testing._guard import describe

    if failing:
        item.add_report_section(when, "crashreport", describe(failures))
    else:
        pytest.fail(describe(failures), pytrace=False)


class _Checks:
    """Per-test hooks, registered only once something asks for them."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Start the guard of a marked test (or of every test) before its fixtures."""
        enabled, _dry_run = _guard_wanted(item)
        if enabled:
            _watch(item).guard.enable()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, Any]:
        """Judge the test when its body is done (the whole body a dry run, if marked so)."""
        found = item.stash.get(_WATCH, None)
        if found is None:
            return (yield)
        _enabled, dry_run = _guard_wanted(item)
        try:
            if dry_run:
                with found.guard.dry_run():
                    result = yield
            else:
                result = yield
        except BaseException:
            _fail(item, "call", found.take_failures(), failing=True)
            raise
        _fail(item, "call", found.take_failures(), failing=False)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, Any, Any]:
        """Stop the test's watch after its fixtures' teardown; fail for what came late."""
        try:
            result = yield
        except BaseException:
            found = item.stash.get(_WATCH, None)
            if found is not None:
                del item.stash[_WATCH]
                _fail(item, "teardown", found.stop(), failing=True)
            raise
        found = item.stash.get(_WATCH, None)
        if found is not None:
            del item.stash[_WATCH]
            _fail(item, "teardown", found.stop(), failing=False)
        return result


@pytest.fixture
def crashreport_sent(request: pytest.FixtureRequest) -> Recording:
    """What the test's code showed and tried to send (captured only: nothing leaves)."""
    watch = _watch(request.node)
    watch.recording.deliver = False
    return watch.recording


@pytest.fixture
def crashreport_answers(request: pytest.FixtureRequest) -> Answers:
    """Scripted answers for the consent prompt, through the real prompt (tests only)."""
    watch = _watch(request.node)
    watch.answers.activate()
    return watch.answers


@pytest.fixture
def crashreport_guard(request: pytest.FixtureRequest) -> Guard:
    """Fail the test for a send without a recorded yes, or a socket during a dry run."""
    watch = _watch(request.node)
    watch.guard.enable()
    return watch.guard


@pytest.fixture
def crashreport_outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Outbox:
    """A private outbox for the test (``CRASHREPORT_OUTBOX_DIR``), and what waits in it."""
    from crashreport.testing import Outbox

    path = tmp_path / "crashreport-outbox"
    monkeypatch.setenv("CRASHREPORT_OUTBOX_DIR", str(path))
    return Outbox(path)
