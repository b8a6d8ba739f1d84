"""The checkpoint's stages as bare functions: paths, file formats, the answer parser,
the payload, the gate and the fault boundary."""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import platformdirs
import pytest
from platformdirs.macos import MacOS
from platformdirs.unix import Unix

import crashreport.checkpoint as checkpoint
from crashreport._checkpoint import files, notices, ping, worker
from crashreport.checkpoint import FIELDS, REMIND_EVERY
from crashreport.config import Config, ConfigError
from tests.test_checkpoint import CheckpointServer

NOW = 1_800_000_000.0


def config(**options: object) -> Config:
    base: dict[str, object] = {
        "product": "tool",
        "version": "1.0",
        "checkpoint_url": "https://checkpoint.example.org",
    }
    return Config(**{**base, **options})


# ---------------------------------------------------------------- where the files live


@pytest.mark.parametrize(
    ("xdg_cache", "xdg_config"),
    [(None, None), ("/x/cache", "/x/config"), ("relative/cache", "")],
    ids=["defaults", "absolute-xdg", "relative-xdg-ignored"],
)
@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_paths_are_platformdirs_paths(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    xdg_cache: str | None,
    xdg_config: str | None,
    platform: str,
) -> None:
    """The start-up path computes the very directories platformdirs gives, XDG respected."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for name, value in (("XDG_CACHE_HOME", xdg_cache), ("XDG_CONFIG_HOME", xdg_config)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", platform)
    dirs = (MacOS if platform == "darwin" else Unix)("crashreport")
    paths = checkpoint.Paths()
    assert paths.cache == os.path.join(dirs.user_cache_dir, "checkpoint")
    assert paths.choice == os.path.join(dirs.user_config_dir, "telemetry")


def test_paths_match_platformdirs_on_this_machine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """On the machine the tests run on, the public platformdirs functions agree too."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "f"))
    paths = checkpoint.Paths()
    assert paths.cache == os.path.join(platformdirs.user_cache_dir("crashreport"), "checkpoint")
    assert paths.choice == os.path.join(platformdirs.user_config_dir("crashreport"), "telemetry")


def test_product_file_names_are_safe_and_distinct() -> None:
    """Any product name gives one plain file name in the cache dir, never a path."""
    paths = checkpoint.Paths()
    names = ["tool", "Tool", "a/b", "a%2Fb", "../up", ".hidden", "x" * 200, "x" * 199 + "y", "β"]
    files_ = [paths.state(name) for name in names]
    assert len(set(files_)) == len(names)
    for path in files_:
        assert os.path.dirname(path) == paths.cache
        assert len(os.path.basename(path)) < 200
        assert not os.path.basename(path).startswith(".")


# ---------------------------------------------------------------- the state file


def test_the_state_survives_a_round_trip(tmp_path: Path) -> None:
    """What is written is what is read back, alerts and shown ids included."""
    state = files.State()
    state.checked, state.noticed, state.answered, state.reminded = NOW, NOW - 5, NOW + 1, NOW - 9
    state.version = "1.0 beta"
    state.update = ("2.0", "https://example.org/dl")
    state.alerts = (files.Alert("A1", "critical", "https://example.org/a", "fix it"),)
    state.shown = ("A1",)
    path = str(tmp_path / "s" / "tool.state")
    files.write_state(path, state)
    back = files.read_state(path)
    for name in files.State.__slots__:
        assert getattr(back, name) == getattr(state, name), name
    assert checkpoint.read_head(checkpoint.read_text(path)) == (
        NOW,
        NOW - 9 + REMIND_EVERY,
        NOW - 5,
        "1.0 beta",
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "crashreport-checkpoint 2 1 0 0 1.0",
        "crashreport-checkpoint 1 nan 0 0 1.0",
        "crashreport-checkpoint 1 inf 0 0 1.0",
        "crashreport-checkpoint 1 1 0 0",
        "crashreport-checkpoint 1 x 0 0 1.0",
        "crashreport-checkpoint 1 1 0 0 1.0\nalert only-two\tfields",
        "crashreport-checkpoint 1 1 0 0 1.0\nwhat is this",
        "crashreport-checkpoint 1 1 0 0 1.0\nanswered soon",
    ],
)
def test_a_corrupt_state_reads_as_empty(tmp_path: Path, text: str) -> None:
    """Any damage to the state file means an empty state, never an exception."""
    path = tmp_path / "tool.state"
    path.write_text(text)
    state = files.read_state(str(path))
    assert (state.checked, state.noticed, state.answered, state.alerts) == (0.0, 0.0, 0.0, ())


def test_an_oversized_or_binary_file_reads_as_missing(tmp_path: Path) -> None:
    """A file larger than any state file, or not UTF-8, is not read at all."""
    big, binary = tmp_path / "big", tmp_path / "bin"
    big.write_text(checkpoint.MAGIC + " 1 0 0 1.0\n" + "x" * checkpoint.MAX_FILE)
    binary.write_bytes(b"\xff\xfe\x00")
    assert checkpoint.read_text(str(big)) is None
    assert checkpoint.read_text(str(binary)) is None
    assert checkpoint.read_text(str(tmp_path / "missing")) is None


def test_notice_at_says_when_a_notice_is_next_due() -> None:
    """No answer: none; an unshown alert: at once; an update: 48 hours after the last reminder."""
    state = files.State()
    state.version = "1.0"
    assert state.notice_at() == 0.0
    state.answered = NOW
    assert state.notice_at() == 0.0
    state.update = ("2.0", "")
    assert state.notice_at() == 1.0
    state.reminded = NOW
    assert state.notice_at() == NOW + REMIND_EVERY
    state.alerts = (files.Alert("A", "", "", "m"),)
    assert state.notice_at() == 1.0
    state.shown = ("A",)
    assert state.notice_at() == NOW + REMIND_EVERY


def test_clean_leaves_one_printable_line() -> None:
    """Escape sequences, newlines and tabs from a server cannot reach the terminal as such."""
    assert files.clean("a\x1b[2J\r\nb\tc\x07", 100) == "a [2J b c"
    assert files.clean("x" * 500, 10) == "x" * 10
    assert files.clean("\n\t ", 10) == ""


# ---------------------------------------------------------------- the signature


def test_signatures_are_random_uuid4s(tmp_path: Path) -> None:
    """A new signature is a canonical random UUID4, kept in its file, reused afterwards."""
    path = str(tmp_path / "cache" / "signature")
    signature = files.ensure_signature(path)
    assert uuid.UUID(signature).version == 4
    assert str(uuid.UUID(signature)) == signature
    assert files.ensure_signature(path) == signature
    assert Path(path).read_text() == signature + "\n"
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["signature"]  # no temp left
    others = {files._new_signature() for _ in range(1000)}
    assert len(others) == 1000
    assert all(files.is_signature(s) and uuid.UUID(s).version == 4 for s in others)


@pytest.mark.parametrize(
    "text",
    ["", "not-a-uuid", str(uuid.uuid1()), str(uuid.uuid4()).upper(), str(uuid.uuid4()) + "x"],
)
def test_a_corrupt_signature_is_replaced(tmp_path: Path, text: str) -> None:
    """Anything but a canonical UUID4 in the file counts as no signature, and is replaced."""
    path = tmp_path / "signature"
    path.write_text(text)
    assert files.read_signature(str(path)) is None
    fresh = files.ensure_signature(str(path))
    assert fresh != text
    assert files.is_signature(fresh)


# ---------------------------------------------------------------- the stored choice


def test_the_stored_choice(tmp_path: Path) -> None:
    """Enabled and disabled are stored; a file saying anything else counts as disabled."""
    path = str(tmp_path / "config" / "telemetry")
    assert checkpoint.read_choice(path) is None
    files.write_choice(path, "disabled")
    assert checkpoint.read_choice(path) == "disabled"
    files.write_choice(path, "enabled")
    assert checkpoint.read_choice(path) == "enabled"
    Path(path).write_text("maybe")
    assert checkpoint.read_choice(path) == "disabled"
    with pytest.raises(ValueError, match="unknown choice"):
        files.write_choice(path, "sometimes")


# ---------------------------------------------------------------- the gate


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        ("", False),
        ("  ", False),
        ("0", False),
        ("false", False),
        ("False", False),
        ("1", True),
        ("true", True),
        ("yes", True),
        ("anything", True),
        (" 1 ", True),
    ],
)
def test_is_set(value: str | None, expected: bool) -> None:
    """CHECKPOINT_DISABLE, DO_NOT_TRACK and CI count when set to anything but 0/false."""
    assert checkpoint.is_set(value) is expected


@pytest.mark.parametrize(
    ("environ", "options", "why"),
    [
        ({"CHECKPOINT_DISABLE": "1"}, {}, "CHECKPOINT_DISABLE='1'"),
        ({"DO_NOT_TRACK": "1"}, {}, "DO_NOT_TRACK='1'"),
        ({"CRASHREPORT_TELEMETRY": "0"}, {"telemetry": False}, "CRASHREPORT_TELEMETRY='0'"),
        ({}, {"telemetry": False}, "telemetry=False"),
        ({"CI": "true"}, {}, "CI='true'"),
        ({}, {"dry_run": True}, "dry run"),
        ({}, {"checkpoint_url": None}, "no checkpoint URL"),
    ],
)
def test_every_reason_is_named(
    environ: dict[str, str], options: dict[str, object], why: str
) -> None:
    """The gate says which variable or option turned the ping off."""
    reason = checkpoint.environment_reason(config(**options), environ)
    assert reason is not None
    assert why in reason
    assert checkpoint.environment_reason(config(), {}) is None


def test_a_checkpoint_url_with_a_query_is_refused() -> None:
    """The ping's fields are fixed: a URL that would add some is a configuration error."""
    with pytest.raises(ConfigError, match="no query"):
        config(checkpoint_url="https://checkpoint.example.org/?id=me")
    with pytest.raises(ConfigError, match="https"):
        config(checkpoint_url="http://checkpoint.example.org")


# ---------------------------------------------------------------- payload and request


def test_the_request_url_round_trips_every_field() -> None:
    """request_url percent-encodes each field so that a server decodes exactly the payload."""
    cfg = config(product="a b&c=d/é", version="1.0+local?x", checkpoint_url="https://h.example/cp/")
    fields = ping.payload(cfg, "6f1d9e0c-2b6a-4c1e-9f3a-1d2e3f4a5b6c", NOW)
    assert [name for name, _ in fields] == list(FIELDS)
    url = urlsplit(ping.request_url(cfg, fields))
    assert (url.scheme, url.netloc) == ("https", "h.example")
    assert unquote(url.path) == "/cp/v1/check/a b&c=d/é"
    assert url.path.endswith("/v1/check/a%20b%26c%3Dd%2F%C3%A9")
    assert parse_qsl(url.query, strict_parsing=True) == fields
    assert dict(fields)["timestamp"] == "2027-01-15T08:00:00Z"


# ---------------------------------------------------------------- the answer


def test_a_full_answer_is_understood() -> None:
    """outdated, current_version, the download URL and each alert are kept; the rest ignored."""
    body = {
        "outdated": True,
        "current_version": "2.0",
        "current_download_url": "https://example.org/dl",
        "current_changelog_url": "https://example.org/changes",
        "alerts": [
            {"id": 7, "message": "patch now", "url": "https://example.org/7", "level": "warn"},
            {"id": "no-message"},
            {"id": True, "message": "a bool is no id"},
            "not an object",
            {"id": "js", "message": "x", "url": "javascript:alert(1)"},
        ],
        "project_website": "https://example.org",
    }
    update, alerts = worker.parse_answer(json.dumps(body).encode())  # type: ignore[misc]
    assert update == ("2.0", "https://example.org/dl")
    assert [(a.id, a.level, a.url, a.message) for a in alerts] == [
        ("7", "warn", "https://example.org/7", "patch now"),
        ("js", "notice", "", "x"),
    ]


def test_the_changelog_url_is_the_fallback() -> None:
    """Without a download URL, the changelog URL is shown; an up-to-date answer has no update."""
    body = {"outdated": True, "current_version": "2.0", "current_changelog_url": "https://c.org"}
    assert worker.parse_answer(json.dumps(body).encode()) == (("2.0", "https://c.org"), ())
    assert worker.parse_answer(b'{"outdated": false, "current_version": "1.0"}') == (None, ())


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'"outdated"',
        b'{"outdated": "yes", "current_version": "2.0"}',
        b'{"outdated": true}',
        b'{"outdated": true, "current_version": 2}',
        b'{"outdated": true, "current_version": "\\n\\t"}',
        b'{"alerts": {"id": 1, "message": "m"}}',
        b"\xff\xfe",
    ],
)
def test_a_malformed_answer_is_rejected(body: bytes) -> None:
    """An answer of the wrong shape is ignored as a whole."""
    assert worker.parse_answer(body) is None


def test_fetch_takes_only_a_small_200_answer() -> None:
    """Against a real server: a 200 is read; another status or an oversized body is not."""
    for body, status, expected in (
        (b'{"outdated": false}', 200, b'{"outdated": false}'),
        (b'{"outdated": false}', 500, None),
        (b"x" * (worker.MAX_ANSWER + 1), 200, None),
    ):
        server = CheckpointServer(body, status)
        try:
            assert worker.fetch(server.url + "/v1/check/tool?product=tool") == expected
        finally:
            server.close()


def test_store_keeps_what_the_host_wrote(tmp_path: Path) -> None:
    """The worker adds the answer to the state file, keeping the ping's record and notice."""
    path = str(tmp_path / "tool.state")
    state = files.State()
    state.checked, state.noticed, state.version, state.shown = NOW, NOW - 1, "1.0", ("A", "gone")
    files.write_state(path, state)
    worker.store(path, ("2.0", ""), (files.Alert("A", "", "", "m"),))
    back = files.read_state(path)
    assert (back.checked, back.noticed, back.version) == (NOW, NOW - 1, "1.0")
    assert back.update == ("2.0", "")
    assert back.answered > 0
    assert back.shown == ("A",)  # ids of alerts the server no longer sends are dropped


# ---------------------------------------------------------------- notices


def _answered(**changes: object) -> files.State:
    state = files.State()
    state.version, state.answered, state.update = "1.0", NOW, ("2.0", "https://example.org")
    state.alerts = (files.Alert("A", "critical", "", "leak"),)
    for name, value in changes.items():
        setattr(state, name, value)
    return state


def test_pending_notices_once_then_every_48_hours() -> None:
    """The update line once per 48 hours (a clock set back counts as due), each alert once."""
    state = _answered()
    first = notices.pending_notices(state, config(), NOW)
    assert first == [
        "tool: a new version 2.0 is available (you have 1.0): https://example.org",
        "tool: critical: leak",
    ]
    assert notices.pending_notices(state, config(), NOW + REMIND_EVERY - 1) == []
    assert notices.pending_notices(state, config(), NOW + REMIND_EVERY) == [first[0]]
    assert notices.pending_notices(state, config(), NOW - 10) == [first[0]]  # clock went back


@pytest.mark.parametrize(
    ("changes", "options"),
    [
        ({}, {"hide_notices": True}),
        ({"version": "0.9"}, {}),  # the answer was about another version
        ({"answered": 0.0}, {}),
        ({"update": ("1.0", ""), "alerts": ()}, {}),  # "new version 1.0 (you have 1.0)"
    ],
)
def test_no_pending_notices(changes: dict[str, object], options: dict[str, object]) -> None:
    """Hidden notices, a stale answer, no answer, or nothing new: no notice."""
    assert notices.pending_notices(_answered(**changes), config(**options), NOW) == []


def test_the_first_run_notice_names_what_is_sent_and_how_to_stop_it() -> None:
    """It lists every field, the server, the interval and each way to turn the ping off."""
    text = notices.first_run_notice(config(checkpoint_interval=3600.0))
    for needle in (
        *FIELDS,
        "checkpoint.example.org",
        "once every 1 hour",
        "CHECKPOINT_DISABLE=1",
        "DO_NOT_TRACK=1",
        "telemetry disable",
    ):
        assert needle in text


# ---------------------------------------------------------------- the fault boundary


def test_an_internal_error_costs_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug inside the checkpoint never reaches the host: one line on stderr, no traceback."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("CHECKPOINT_DISABLE", raising=False)
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)

    def broken() -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(checkpoint, "Paths", broken)
    monkeypatch.setattr(checkpoint, "_started", set())
    checkpoint.start(config(product="boundary-test"))
    err = capsys.readouterr().err
    assert err == "crashreport: checkpoint skipped (RuntimeError)\n"


def test_an_unusable_cache_is_silent(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An OSError (a cache that cannot be written) ends the checkpoint without a word."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("CHECKPOINT_DISABLE", raising=False)
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(checkpoint, "_started", set())
    monkeypatch.setattr(checkpoint, "_at_terminal", lambda: True)
    checkpoint.start(config(product="unusable-cache"))
    assert capsys.readouterr().err == ""


def test_each_product_is_handled_once_per_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """install() called twice does the checkpoint's work once."""
    calls: list[str] = []
    monkeypatch.setattr(checkpoint, "_started", set())
    monkeypatch.setattr(checkpoint, "_start", lambda c, now: calls.append(c.product))
    for _ in range(3):
        checkpoint.start(config(product="once"))
    checkpoint.start(config(product="twice"))
    assert calls == ["once", "twice"]


# ---------------------------------------------------------------- launching the ping


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[str, str]]:
    """ping._spawn replaced by a recorder (the real one is exercised end to end)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(ping, "_spawn", lambda url, path: calls.append((url, path)))
    return calls


def _due_state(paths: checkpoint.Paths, **changes: object) -> None:
    state = files.State()
    state.noticed, state.version = NOW - 100, "1.0"
    for name, value in changes.items():
        setattr(state, name, value)
    files.write_state(paths.state("tool"), state)


def test_launch_records_the_ping_before_starting_it(spawned: list[tuple[str, str]]) -> None:
    """The cache says "pinged now" before the worker starts, and the lock is released."""
    paths = checkpoint.Paths()
    _due_state(paths)
    ping.launch(config(), paths, NOW)
    [(url, state_path)] = spawned
    assert state_path == paths.state("tool")
    assert "version=1.0&" in url
    assert files.read_state(state_path).checked == NOW
    assert not os.path.exists(paths.lock("tool"))
    ping.launch(config(), paths, NOW + 1)  # not due any more
    assert len(spawned) == 1


def test_a_new_version_drops_the_old_answer(spawned: list[tuple[str, str]]) -> None:
    """After an upgrade, the ping forgets the answer about the old version (its alerts too)."""
    paths = checkpoint.Paths()
    alerts = (files.Alert("A", "critical", "", "old bug"),)
    _due_state(paths, answered=NOW - 50, update=("1.5", ""), alerts=alerts)
    ping.launch(config(version="2.0"), paths, NOW)
    state = files.read_state(paths.state("tool"))
    assert (state.version, state.answered, state.update, state.alerts) == ("2.0", 0.0, None, ())
    assert "version=2.0&" in spawned[0][0]


def test_a_held_lock_means_another_run_pings(spawned: list[tuple[str, str]]) -> None:
    """A fresh lock: this run does not ping; a lock left by a dead run is taken over."""
    paths = checkpoint.Paths()
    _due_state(paths)
    lock = Path(paths.lock("tool"))
    lock.write_text("")
    ping.launch(config(), paths, NOW)
    assert spawned == []
    made = time.time() - ping.STALE_LOCK - 1  # the lock's age is read off the real clock
    os.utime(lock, (made, made))
    ping.launch(config(), paths, NOW)
    assert len(spawned) == 1


def test_a_lock_made_after_this_run_started_is_fresh(spawned: list[tuple[str, str]]) -> None:
    """Runs starting together: a lock newer than this run's start time is still held."""
    paths = checkpoint.Paths()
    _due_state(paths)
    lock = Path(paths.lock("tool"))
    lock.write_text("")
    ping.launch(config(), paths, lock.stat().st_mtime - 0.5)
    assert spawned == []


def test_no_ping_before_the_first_run_notice(spawned: list[tuple[str, str]]) -> None:
    """Even when due, launch refuses a product whose first-run notice was never shown."""
    paths = checkpoint.Paths()
    _due_state(paths, noticed=0.0)
    ping.launch(config(), paths, NOW)
    assert spawned == []
