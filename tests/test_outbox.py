"""The outbox on a real disk: where it lives, private atomic files, the caps, corrupt
files moved aside, and claims that several processes respect."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import platformdirs
import pytest

from crashreport.transport import Destination
from crashreport.transport.base import Delivery
from crashreport.transport.outbox import (
    CORRUPT,
    QUEUED,
    REJECTED,
    REVIEW,
    claim,
    default_directory,
    entries,
    keep,
    record_failure,
    remove,
)
from crashreport.transport.redeliver import hint_directory
from tests.conftest import ROOT, consented

WHERE = Destination(endpoint="https://crash.example.org/v1", product="fixture-app", version="1.0")


def test_the_default_directory_is_the_platformdirs_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """XDG_DATA_HOME is respected: the outbox is <XDG_DATA_HOME>/crashreport/outbox."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_directory() == tmp_path / "data" / "crashreport" / "outbox"
    assert (
        default_directory()
        == Path(platformdirs.user_data_dir("crashreport", appauthor=False)) / "outbox"
    )


@pytest.mark.parametrize(
    "xdg", ["/srv/data", "", "relative/data", None], ids=["absolute", "empty", "relative", "unset"]
)
def test_install_finds_the_same_directory_without_platformdirs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xdg: str | None
) -> None:
    """The start-up check's own lookup (no platformdirs import) agrees with platformdirs,
    with XDG_DATA_HOME absolute, empty, relative (ignored) or unset."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if xdg is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", xdg)
    assert hint_directory() == str(default_directory())


def test_files_are_private_and_written_whole(tmp_path: Path) -> None:
    """Directory 0700 (even under umask 0, and when it existed as 0755), files 0600, no
    temporary file left, named <id>.<state>.json."""
    folder = tmp_path / "outbox"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    previous = os.umask(0)
    try:
        report = consented()
        path = keep(report, QUEUED, WHERE, folder)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.name == f"{report.report_id}.queued.json"
    assert sorted(p.name for p in folder.iterdir()) == [path.name]


def test_a_kept_report_comes_back_byte_for_byte(tmp_path: Path) -> None:
    """The payload bytes, destination and state read back are exactly what was kept."""
    report = consented()
    keep(report, QUEUED, WHERE, tmp_path)
    [entry] = entries(tmp_path)
    assert entry.payload == report.payload
    assert entry.payload.digest == report.payload.digest
    assert entry.destination == WHERE
    assert entry.state == QUEUED
    assert entry.attempts == 0
    assert entry.due()


def test_only_a_consented_report_can_be_queued(tmp_path: Path) -> None:
    """A bare payload may be kept for review, never queued for sending: only the
    consent step makes what the outbox will send."""
    report = consented()
    with pytest.raises(TypeError, match="only a ConsentedReport"):
        keep(report.payload, QUEUED, WHERE, tmp_path)
    with pytest.raises(TypeError):
        keep(report.payload, REJECTED, WHERE, tmp_path)
    assert keep(report.payload, REVIEW, WHERE, tmp_path).name.endswith(".review.json")


def test_a_report_is_in_one_state_only(tmp_path: Path) -> None:
    """Keeping a reviewed report as queued replaces its review file."""
    report = consented()
    keep(report.payload, REVIEW, WHERE, tmp_path)
    keep(report, QUEUED, WHERE, tmp_path)
    assert [e.state for e in entries(tmp_path)] == [QUEUED]


def test_entries_come_oldest_first(tmp_path: Path) -> None:
    """entries() lists reports in the order they were kept."""
    ids = []
    for _ in range(3):
        report = consented()
        keep(report, QUEUED, WHERE, tmp_path)
        ids.append(report.report_id)
        time.sleep(0.02)
    assert [e.report_id for e in entries(tmp_path)] == ids


def test_a_failure_is_written_down(tmp_path: Path) -> None:
    """Kept after a failed delivery: attempts, the error and the server's wait are on disk."""
    keep(consented(), QUEUED, WHERE, tmp_path, failure=Delivery(
        False, "HTTP 503", retry=True, retry_after=30, attempts=3))  # fmt: skip
    [entry] = entries(tmp_path)
    assert entry.attempts == 3
    assert entry.last_error == "HTTP 503"
    assert entry.not_before is not None
    assert 25 < entry.not_before - time.time() <= 30
    assert not entry.due()


def test_record_failure_keeps_retriable_failures_queued_and_rejects_the_rest(
    tmp_path: Path,
) -> None:
    """A retriable failure stays queued (attempts add up); a refusal moves it to rejected."""
    keep(consented(), QUEUED, WHERE, tmp_path)
    [entry] = entries(tmp_path)
    with claim(entry) as held:
        assert held is not None
        after = record_failure(held, Delivery(False, "timed out", retry=True, attempts=2))
    assert after.state == QUEUED
    assert after.attempts == 2
    with claim(after) as held:
        assert held is not None
        rejected = record_failure(held, Delivery(False, "HTTP 413", status=413))
    assert rejected.state == REJECTED
    assert rejected.path.name.endswith(".rejected.json")
    [now] = entries(tmp_path)
    assert now.state == REJECTED
    assert now.attempts == 3
    assert now.last_error == "HTTP 413"
    assert now.created == entry.created
    assert len(list(tmp_path.glob("*.json"))) == 1


def test_the_count_cap_evicts_the_oldest_with_a_notice(tmp_path: Path) -> None:
    """At most max_reports: the oldest goes, a notice names it, the new one is kept."""
    notices: list[str] = []
    kept = []
    for _ in range(4):
        report = consented()
        keep(report, QUEUED, WHERE, tmp_path, say=notices.append, max_reports=3)
        kept.append(report.report_id)
        time.sleep(0.02)
    assert [e.report_id for e in entries(tmp_path)] == kept[1:]
    [message] = notices
    assert "the outbox is full (at most 3 reports" in message
    assert f"removed the oldest, {kept[0]}" in message


def test_the_size_cap_evicts_as_many_old_ones_as_needed(tmp_path: Path) -> None:
    """Under a byte cap, enough of the oldest go for the new report to fit."""
    notices: list[str] = []
    first = consented()
    size = len(keep(first, QUEUED, WHERE, tmp_path).read_bytes())
    time.sleep(0.02)
    keep(consented(), QUEUED, WHERE, tmp_path)
    time.sleep(0.02)
    newest = consented()
    keep(newest, QUEUED, WHERE, tmp_path, say=notices.append, max_bytes=int(size * 1.5))
    assert [e.report_id for e in entries(tmp_path)] == [newest.report_id]
    assert len(notices) == 2


def test_eviction_never_takes_a_report_being_sent(tmp_path: Path) -> None:
    """A claimed report (being sent) is not evicted; the next oldest is."""
    reports = [consented() for _ in range(3)]
    for report in reports:
        keep(report, QUEUED, WHERE, tmp_path)
        time.sleep(0.02)
    oldest = entries(tmp_path)[0]
    with claim(oldest) as held:
        assert held is not None
        keep(consented(), QUEUED, WHERE, tmp_path, say=None, max_reports=3)
    ids = [e.report_id for e in entries(tmp_path)]
    assert reports[0].report_id in ids
    assert reports[1].report_id not in ids


@pytest.mark.parametrize(
    "content",
    [b"\x00garbage", b"[1, 2]", b'{"format": 1}', b"{not json"],
    ids=["binary", "not-an-object", "missing-fields", "truncated"],
)
def test_a_corrupt_file_is_moved_aside_and_nothing_breaks(tmp_path: Path, content: bytes) -> None:
    """A file that is not a report is moved to corrupt/ with a notice; the good ones
    are still listed."""
    good = consented()
    keep(good, QUEUED, WHERE, tmp_path)
    bad = tmp_path / "0123abcd-0000-4000-8000-000000000000.queued.json"
    bad.write_bytes(content)
    notices: list[str] = []
    assert [e.report_id for e in entries(tmp_path, say=notices.append)] == [good.report_id]
    assert not bad.exists()
    [aside] = (tmp_path / CORRUPT).iterdir()
    assert aside.read_bytes() == content
    assert "could not be read" in notices[0]
    assert str(aside) in notices[0]


def test_a_file_whose_body_is_not_its_report_is_corrupt(tmp_path: Path) -> None:
    """An edited file whose body names another report id is moved aside, not sent."""
    path = keep(consented(), QUEUED, WHERE, tmp_path)
    record = json.loads(path.read_text())
    record["body"] = json.dumps({"id": "someone-else"})
    path.write_text(json.dumps(record))
    assert entries(tmp_path, say=None) == []
    assert len(list((tmp_path / CORRUPT).iterdir())) == 1


def test_a_file_from_a_newer_crashreport_is_left_alone(tmp_path: Path) -> None:
    """A record of a newer format is neither read nor "repaired" away."""
    path = keep(consented(), QUEUED, WHERE, tmp_path)
    record = json.loads(path.read_text())
    record["format"] = 99
    path.write_text(json.dumps(record))
    assert entries(tmp_path) == []
    assert path.exists()
    assert not (tmp_path / CORRUPT).exists()


def test_stale_temporary_files_are_cleaned_and_fresh_ones_left(tmp_path: Path) -> None:
    """A temporary file a killed writer left an hour ago is removed; one being written is not."""
    stale, fresh = tmp_path / ".tmp-old.json", tmp_path / ".tmp-new.json"
    stale.write_text("x")
    fresh.write_text("x")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    entries(tmp_path)
    assert not stale.exists()
    assert fresh.exists()


def test_a_missing_outbox_is_empty() -> None:
    """No directory yet: no entries, nothing created."""
    assert entries("/nonexistent/crashreport/outbox") == []


def test_a_claim_is_exclusive_and_always_sees_the_file_as_it_is_now(tmp_path: Path) -> None:
    """While one claim holds a report no other can; a later claim reads the report as it
    is on disk then (a failure written meanwhile included); one sent (removed) meanwhile
    yields None."""
    keep(consented(), QUEUED, WHERE, tmp_path)
    [entry] = entries(tmp_path)
    with claim(entry) as first:
        assert first is not None
        with claim(entry) as second:
            assert second is None
    with claim(entry) as again:
        assert again is not None
        record_failure(again, Delivery(False, "HTTP 500", retry=True))
    with claim(entry) as later:  # the listing is older than the file: the file wins
        assert later is not None
        assert later.attempts == 1
        assert later.last_error == "HTTP 500"
        remove(later)
    with claim(entry) as gone:
        assert gone is None


HOLDER = """
import sys, time
from crashreport.transport.outbox import claim, entries
[entry] = entries(sys.argv[1])
with claim(entry) as held:
    print("held" if held else "busy", flush=True)
    time.sleep(60)
"""


def test_a_claim_dies_with_its_process(tmp_path: Path) -> None:
    """A process that claimed a report and was killed (SIGKILL) leaves no stuck claim."""
    keep(consented(), QUEUED, WHERE, tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        [entry] = entries(tmp_path)
        with claim(entry) as held:
            assert held is None  # another process holds it
        holder.kill()
        holder.wait(timeout=30)
        with claim(entry) as held:
            assert held is not None
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()


WRITER = """
import sys
from crashreport.transport.base import Delivery
from crashreport.transport.outbox import claim, entries, record_failure
for n in range(150):
    for entry in entries(sys.argv[1]):
        with claim(entry) as held:
            if held is not None:
                record_failure(held, Delivery(False, f"try {n}", retry=True))
"""


def test_readers_never_see_a_half_written_file(tmp_path: Path) -> None:
    """While another process rewrites a report over and over, every read finds it whole:
    nothing is ever moved aside as corrupt, nothing is lost."""
    report = consented()
    keep(report, QUEUED, WHERE, tmp_path)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], cwd=ROOT)
    try:
        reads = 0
        while writer.poll() is None:
            found: list[Any] = entries(tmp_path)
            assert [e.payload for e in found] == [report.payload]
            reads += 1
        assert writer.returncode == 0
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.wait(timeout=30)
    assert reads > 0
    assert not (tmp_path / CORRUPT).exists()
    [entry] = entries(tmp_path)
    assert entry.payload == report.payload
    assert entry.attempts == 150
