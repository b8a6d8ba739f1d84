"""The consent stage as bare functions: the policy, the full view, paging, saving,
and ``ask`` itself driven through its one terminal seam (prompt_toolkit's pipe
input), so the real select, key bindings and time limit answer."""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import DummyInput, create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from crashreport import consent
from crashreport.consent import terminal as terminal_module
from crashreport.consent.terminal import NotInteractive, Terminal, pager_command
from crashreport.consent.views import page
from crashreport.payload import ConsentedReport, Payload
from tests.conftest import CTRL_C, CTRL_D, DOWN, ENTER, UP

PAYLOAD = Payload.from_data({"id": "0b9ef0c5-2cc4-4c43-a7c8-5b2bd5a3a1d7", "message": "é boom"})


class FakeStream(io.StringIO):
    """A stream whose ``isatty()`` answer (or failure) is chosen by the test."""

    def __init__(self, tty: bool | None) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        if self.tty is None:
            raise OSError("isatty failed")
        return self.tty


TTY = FakeStream(True)


# ---------------------------------------------------------------- why_not_interactive


@pytest.mark.parametrize(
    ("environ", "reason"),
    [
        ({"CI": "true"}, "CI is set"),
        ({"CI": "1"}, "CI is set"),
        ({"DO_NOT_TRACK": "1"}, "DO_NOT_TRACK is set"),
        ({"TERM": "dumb"}, "TERM is dumb"),
        ({"CI": "false", "TERM": "xterm"}, None),
        ({"CI": "", "DO_NOT_TRACK": "0"}, None),
        ({}, None),
    ],
)
def test_the_environment_decides_who_can_be_asked(
    environ: dict[str, str], reason: str | None
) -> None:
    """CI, DO_NOT_TRACK and TERM=dumb each mean nobody is asked; false values do not."""
    assert consent.why_not_interactive(environ, TTY, TTY) == reason


def test_streams_that_are_not_terminals_mean_nobody_is_asked() -> None:
    """No TTY on stdin or on stdout, a closed stream, or a failing isatty(): not interactive."""
    closed = FakeStream(True)
    closed.close()
    assert consent.why_not_interactive({}, FakeStream(False), TTY) == "stdin is not a terminal"
    assert consent.why_not_interactive({}, TTY, FakeStream(False)) == "stdout is not a terminal"
    assert consent.why_not_interactive({}, closed, TTY) == "stdin is not a terminal"
    assert consent.why_not_interactive({}, TTY, FakeStream(None)) == "stdout is not a terminal"


def test_a_real_terminal_we_are_not_attached_to_is_a_terminal() -> None:
    """A pty opened by the process (not its controlling terminal) counts as a terminal:
    the background check only applies where job control can say "background"."""
    leader, follower = os.openpty()
    try:
        with open(follower, "w", closefd=False) as stream:
            assert consent.why_not_interactive({}, stream, stream) is None
    finally:
        os.close(leader)
        os.close(follower)


# ---------------------------------------------------------------- views


def test_the_full_view_is_every_byte_then_size_and_digest() -> None:
    """The full view is the payload itself, followed by its size and SHA-256."""
    view = consent.full_view(PAYLOAD)
    body = PAYLOAD.body.decode("utf-8")
    assert view.startswith(body)
    assert f"-- {len(PAYLOAD.body)} bytes, sha256 {PAYLOAD.digest} --" in view[len(body) :]
    assert view.endswith("-- this is every byte that will be sent --\n")


def test_save_writes_the_payload_0600_with_the_default_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty answer saves under the default name in the directory given; mode 0600
    even with a permissive umask; the bytes are exactly the payload."""
    old = os.umask(0)
    try:
        path = consent.save_payload(PAYLOAD, "", cwd=tmp_path)
    finally:
        os.umask(old)
    assert path == tmp_path / "crashreport-0b9ef0c5.json"
    assert consent.default_save_name(PAYLOAD) == path.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == PAYLOAD.body
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports").mkdir()
    assert consent.save_payload(PAYLOAD, "reports") == tmp_path / "reports" / path.name


def test_save_never_overwrites_nor_follows_a_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An existing file is left alone (FileExistsError); a symlink is not followed;
    ``~`` is the home directory."""
    existing = tmp_path / "mine.json"
    existing.write_text("mine")
    with pytest.raises(FileExistsError):
        consent.save_payload(PAYLOAD, str(existing))
    assert existing.read_text() == "mine"
    (tmp_path / "link.json").symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(OSError, match="link"):
        consent.save_payload(PAYLOAD, str(tmp_path / "link.json"))
    assert not (tmp_path / "elsewhere.json").exists()
    monkeypatch.setenv("HOME", str(tmp_path))
    assert consent.save_payload(PAYLOAD, "~/home.json") == tmp_path / "home.json"


def text_terminal(
    rows: int = 40, pager: tuple[str, ...] | None = None
) -> tuple[Terminal, io.StringIO]:
    """A terminal with no keys and a text buffer ``rows`` lines high as its screen."""
    screen = io.StringIO()
    output = Vt100_Output(screen, lambda: Size(rows=rows, columns=120), term="xterm")
    return Terminal(DummyInput(), output, pager), screen


def test_page_writes_what_fits_and_pages_what_does_not(tmp_path: Path) -> None:
    """Short text is written; long text goes to the pager, byte for byte; a pager
    that fails or cannot start still leaves the text on the screen."""
    copy = tmp_path / "paged"
    pager = (
        sys.executable,
        "-c",
        f"import sys; open({str(copy)!r}, 'wb').write(sys.stdin.buffer.read())",
    )
    term, screen = text_terminal(rows=10, pager=pager)
    page("short\n", term)
    assert screen.getvalue() == "short\n"
    long_text = "".join(f"line {n} é\n" for n in range(50))
    page(long_text, term)
    assert copy.read_bytes() == long_text.encode("utf-8")
    assert screen.getvalue() == "short\n"  # the pager showed it, not us
    for broken in (("/nonexistent/pager",), (sys.executable, "-c", "raise SystemExit(3)")):
        term, screen = text_terminal(rows=10, pager=broken)
        page(long_text, term)
        assert screen.getvalue() == long_text


def test_pager_command_follows_pager_and_falls_back() -> None:
    """$PAGER is split like a shell would; an empty $PAGER means no pager."""
    assert pager_command({"PAGER": "less -R"}) == ("less", "-R")
    assert pager_command({"PAGER": ""}) is None
    found = pager_command({})
    assert found is None or found[0] in ("less", "more")


# ---------------------------------------------------------------- ask, through the seam


@contextlib.contextmanager
def scripted(monkeypatch: pytest.MonkeyPatch, keys: str, rows: int = 400) -> Iterator[io.StringIO]:
    """Replace the terminal seam with a pipe input already holding ``keys``."""
    screen = io.StringIO()
    output = Vt100_Output(screen, lambda: Size(rows=rows, columns=120), term="xterm")
    with create_pipe_input() as pipe:
        pipe.send_text(keys)

        @contextlib.contextmanager
        def fake_terminal() -> Iterator[Terminal]:
            yield Terminal(pipe, output, pager=None)

        monkeypatch.setattr(terminal_module, "open_terminal", fake_terminal)
        yield screen


def no_comment(text: str) -> tuple[Payload, str]:
    raise AssertionError("no comment was expected")


def ask(timeout: float = 30.0, add_comment=no_comment) -> consent.Decision:  # type: ignore[no-untyped-def]
    return consent.ask(
        PAYLOAD,
        screen="the report\nremoved: 1 host\nwill be sent to crash.example.org\n",
        destination="crash.example.org",
        add_comment=add_comment,
        timeout=timeout,
    )


def test_enter_alone_means_dont_send(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pointer starts on "Don't send": Enter declines, and no ConsentedReport exists."""
    with scripted(monkeypatch, ENTER) as screen:
        decision = ask()
    assert (decision.answer, decision.consented) == (consent.DECLINE, None)
    shown = screen.getvalue()
    assert shown.index("will be sent to crash.example.org") < shown.index(
        "Send this crash report to crash.example.org?"
    )


def test_send_report_makes_the_consented_report_of_what_was_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only "Send report" yields a ConsentedReport, and of the same payload."""
    with scripted(monkeypatch, UP + ENTER):
        decision = ask()
    assert decision.answer == consent.SEND
    assert decision.consented is not None
    assert decision.consented.payload == PAYLOAD == decision.payload


def test_view_shows_the_full_view_then_asks_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Choosing "View full report" writes the full view (it fits) and the question comes back."""
    with scripted(monkeypatch, DOWN + ENTER + ENTER) as screen:
        decision = ask()
    assert decision.answer == consent.DECLINE
    assert consent.full_view(PAYLOAD) in screen.getvalue()


def test_a_comment_changes_the_payload_that_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comment goes through add_comment; what it returns is shown back and sent."""
    seen: list[str] = []
    commented = Payload.from_data({"id": PAYLOAD.report_id, "comment": "at <host-1>"})

    def add_comment(text: str) -> tuple[Payload, str]:
        seen.append(text)
        return commented, "at <host-1>"

    with scripted(
        monkeypatch, DOWN * 3 + ENTER + "at db.corp.example" + ENTER + UP + ENTER
    ) as screen:
        decision = ask(add_comment=add_comment)
    assert seen == ["at db.corp.example"]
    assert "your comment, as it will be sent:" in screen.getvalue()
    assert decision.answer == consent.SEND
    assert decision.consented is not None
    assert decision.consented.payload == commented


def test_a_comment_that_cannot_be_redacted_is_not_added(monkeypatch: pytest.MonkeyPatch) -> None:
    """If redacting the comment fails, the payload stays as it was (fail closed)."""

    def failing(text: str) -> tuple[Payload, str]:
        raise RuntimeError("rule failed")

    with scripted(monkeypatch, DOWN * 3 + ENTER + "hello" + ENTER + UP + ENTER) as screen:
        decision = ask(add_comment=failing)
    assert "could not be redacted" in screen.getvalue()
    assert decision.consented is not None
    assert decision.consented.payload == PAYLOAD


def test_save_through_the_prompt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Choosing "Save to file", then Enter, writes the payload in the current directory."""
    monkeypatch.chdir(tmp_path)
    with scripted(monkeypatch, DOWN + DOWN + ENTER + ENTER + ENTER) as screen:
        decision = ask()
    assert decision.answer == consent.DECLINE
    assert (tmp_path / consent.default_save_name(PAYLOAD)).read_bytes() == PAYLOAD.body
    assert f"sha256 {PAYLOAD.digest}" in screen.getvalue()


@pytest.mark.parametrize(("keys", "reason"), [(UP + CTRL_C, "Ctrl-C"), (UP + CTRL_D, "Ctrl-D")])
def test_ctrl_c_and_ctrl_d_cancel(monkeypatch: pytest.MonkeyPatch, keys: str, reason: str) -> None:
    """Ctrl-C and Ctrl-D end the conversation without consent, even on "Send report"."""
    with scripted(monkeypatch, keys):
        decision = ask()
    assert (decision.answer, decision.reason, decision.consented) == (consent.CANCEL, reason, None)


def test_no_answer_in_time_is_unanswered(monkeypatch: pytest.MonkeyPatch) -> None:
    """An untouched question ends after ``timeout`` seconds as unanswered."""
    began = time.monotonic()
    with scripted(monkeypatch, UP):
        decision = ask(timeout=0.5)
    assert decision.answer == consent.UNANSWERED
    assert decision.reason == "no answer in 0.5 seconds"
    assert 0.4 < time.monotonic() - began < 20


def test_a_closed_input_is_unanswered(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the input closes (the terminal went away), nobody answered: unanswered."""
    screen = io.StringIO()
    output = Vt100_Output(screen, lambda: Size(rows=40, columns=120), term="xterm")
    with create_pipe_input() as pipe:

        @contextlib.contextmanager
        def fake_terminal() -> Iterator[Terminal]:
            yield Terminal(pipe, output)

        monkeypatch.setattr(terminal_module, "open_terminal", fake_terminal)
        threading.Timer(0.3, pipe.close).start()
        decision = ask()
    assert (decision.answer, decision.reason) == (consent.UNANSWERED, "the terminal was closed")


def test_nobody_to_ask_is_no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the terminal cannot be opened, the decision says why, and nothing is shown."""

    @contextlib.contextmanager
    def none() -> Iterator[Terminal]:
        raise NotInteractive("CI is set")
        yield  # pragma: no cover

    monkeypatch.setattr(terminal_module, "open_terminal", none)
    decision = ask()
    assert (decision.answer, decision.reason) == (consent.NO_TERMINAL, "CI is set")


def test_a_failing_terminal_is_unanswered(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal whose output breaks mid-conversation ends it unanswered, never raised."""

    class Broken(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(5, "Input/output error")

    output = Vt100_Output(Broken(), lambda: Size(rows=40, columns=120), term="xterm")
    with create_pipe_input() as pipe:

        @contextlib.contextmanager
        def fake_terminal() -> Iterator[Terminal]:
            yield Terminal(pipe, output)

        monkeypatch.setattr(terminal_module, "open_terminal", fake_terminal)
        decision = ask()
    assert (decision.answer, decision.reason) == (consent.UNANSWERED, "the terminal was closed")


def test_conversations_take_turns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two threads asking at once: the second terminal opens only after the first closes."""
    events: list[str] = []
    pipes: dict[str, object] = {}

    @contextlib.contextmanager
    def fake_terminal() -> Iterator[Terminal]:
        name = threading.current_thread().name
        output = Vt100_Output(io.StringIO(), lambda: Size(rows=40, columns=120), term="xterm")
        with create_pipe_input() as pipe:
            pipes[name] = pipe
            events.append(f"open {name}")
            if name == "second":
                pipe.send_text(ENTER)
            yield Terminal(pipe, output)
            events.append(f"close {name}")

    monkeypatch.setattr(terminal_module, "open_terminal", fake_terminal)
    results: dict[str, consent.Decision] = {}
    first = threading.Thread(target=lambda: results.setdefault("first", ask()), name="first")
    second = threading.Thread(target=lambda: results.setdefault("second", ask()), name="second")
    first.start()
    while "first" not in pipes:
        time.sleep(0.01)
    second.start()
    time.sleep(0.5)
    assert events == ["open first"]  # the second waits its turn
    pipes["first"].send_text(UP + ENTER)  # type: ignore[attr-defined]
    first.join(30)
    second.join(30)
    assert events == ["open first", "close first", "open second", "close second"]
    assert results["first"].answer == consent.SEND
    assert results["second"].answer == consent.DECLINE


def test_only_the_consent_step_makes_a_consented_report() -> None:
    """Building a ConsentedReport anywhere else raises TypeError."""
    with pytest.raises(TypeError):
        ConsentedReport(PAYLOAD, _key=object())


def test_a_consented_report_cannot_be_forged_by_copying_or_pickling() -> None:
    """Every copy goes through the constructor's check: a copy in this process is
    the same agreement, ``replace`` cannot swap the key, a deep copy or a pickle
    (whose key is not the key) does not load; the repr shows no key."""
    import copy
    import pickle

    consented = consent.consented_from_outbox(PAYLOAD)
    assert copy.copy(consented) == consented
    assert consented.replace(payload=PAYLOAD) == consented
    with pytest.raises(TypeError):
        consented.replace(_key=object())
    with pytest.raises(TypeError):
        copy.deepcopy(consented)
    with pytest.raises(TypeError):
        pickle.loads(pickle.dumps(consented))
    assert repr(consented) == f"ConsentedReport(payload={PAYLOAD!r})"
    with pytest.raises(AttributeError):
        consented.payload = PAYLOAD  # type: ignore[misc]


def test_the_payload_digest_is_the_sha256_of_its_bytes() -> None:
    """``digest`` is SHA-256 of ``body``, and the body is the deterministic JSON form."""
    import hashlib

    assert PAYLOAD.digest == hashlib.sha256(PAYLOAD.body).hexdigest()
    assert json.loads(PAYLOAD.body) == PAYLOAD.data()
    assert Payload.from_data(PAYLOAD.data()) == PAYLOAD


def test_a_prompt_that_breaks_is_unanswered(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure inside the question itself (here: the terminal size cannot be read)
    ends the conversation unanswered -- no consent, and nothing raised."""

    def broken_size() -> Size:
        raise RuntimeError("no size")

    output = Vt100_Output(io.StringIO(), broken_size, term="xterm")
    with create_pipe_input() as pipe:
        pipe.send_text(UP + ENTER)

        @contextlib.contextmanager
        def fake_terminal() -> Iterator[Terminal]:
            yield Terminal(pipe, output)

        monkeypatch.setattr(terminal_module, "open_terminal", fake_terminal)
        decision = ask()
    assert decision.answer == consent.UNANSWERED
    assert decision.reason == "the prompt failed (RuntimeError)"
    assert decision.consented is None


def test_a_raw_terminal_is_made_sane_then_restored() -> None:
    """The terminal mode a crashed TUI left (raw) becomes cooked for the questions, and
    exactly the old mode comes back afterwards."""
    import termios
    import tty

    from crashreport.consent.terminal import _make_sane, _restore

    leader, follower = os.openpty()
    try:
        tty.setraw(follower)
        raw = termios.tcgetattr(follower)
        saved = _make_sane(follower)
        assert saved == raw
        lflag, oflag = termios.tcgetattr(follower)[3], termios.tcgetattr(follower)[1]
        assert lflag & termios.ICANON
        assert lflag & termios.ECHO
        assert oflag & termios.OPOST
        _restore(follower, saved)
        assert termios.tcgetattr(follower) == raw
    finally:
        os.close(leader)
        os.close(follower)
