"""``crashreport outbox list | send | discard``, run as the real command against a real
outbox and a real server on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from crashreport.transport import Destination
from crashreport.transport.base import Delivery
from crashreport.transport.outbox import QUEUED, REJECTED, REVIEW, entries, keep
from fixtures.servers import FlakyServer
from tests.conftest import ROOT, consented

Flaky = Callable[..., FlakyServer]


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    """An outbox directory of its own for the test."""
    return tmp_path / "outbox"


def command(
    env: dict[str, str], folder: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m crashreport outbox ARGS`` with this outbox."""
    return subprocess.run(
        [sys.executable, "-m", "crashreport", "outbox", *args],
        cwd=ROOT,
        env={**env, "CRASHREPORT_OUTBOX_DIR": str(folder), "CRASHREPORT_SEND_TIMEOUT": "2"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_list_says_where_the_outbox_is_and_that_it_is_empty(
    clean_env: dict[str, str], outbox: Path
) -> None:
    """An empty (or missing) outbox: its path, and "the outbox is empty"."""
    done = command(clean_env, outbox, "list")
    assert done.returncode == 0
    assert done.stdout == f"outbox: {outbox}\nthe outbox is empty\n"


def test_list_shows_each_report_its_state_destination_and_last_error(
    clean_env: dict[str, str], outbox: Path
) -> None:
    """One line per report: id, when, awaiting review / queued to send / refused, where to,
    and the tries so far with the last error."""
    review, queued, refused = consented(), consented(), consented()
    where = Destination(endpoint="https://crash.example.org/v1")
    keep(review.payload, REVIEW, where, outbox)
    keep(queued, QUEUED, where, outbox, failure=Delivery(False, "HTTP 503", retry=True, attempts=3))
    keep(refused, REJECTED, where, outbox, failure=Delivery(False, "HTTP 413: too large"))
    done = command(clean_env, outbox, "list")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0] == f"outbox: {outbox}"
    assert lines[-1] == "3 reports"
    by_id = {line.split()[0]: line for line in lines[1:-1]}
    assert "awaiting review" in by_id[review.report_id]
    assert "to crash.example.org" in by_id[review.report_id]
    assert "queued to send" in by_id[queued.report_id]
    assert "(3 tries; last: HTTP 503)" in by_id[queued.report_id]
    assert "refused" in by_id[refused.report_id]
    assert "last: HTTP 413: too large" in by_id[refused.report_id]


def test_send_reports_what_was_delivered(
    flaky: Flaky, clean_env: dict[str, str], outbox: Path
) -> None:
    """Queued and refused reports are sent, each once, each reported as delivered; the
    one awaiting review is not sent (it was never agreed to)."""
    server = flaky()
    where = Destination(endpoint=server.url)
    queued, refused, review = consented(), consented(), consented()
    keep(queued, QUEUED, where, outbox)
    keep(refused, REJECTED, where, outbox, failure=Delivery(False, "HTTP 413"))
    keep(review.payload, REVIEW, where, outbox)
    done = command(clean_env, outbox, "send")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{queued.report_id}: delivered to 127.0.0.1" in done.stdout
    assert f"{refused.report_id}: delivered to 127.0.0.1" in done.stdout
    assert done.stdout.endswith("2 delivered, 0 still waiting\n")
    assert sorted(server.ids()) == sorted([queued.report_id, refused.report_id])
    assert [e.report_id for e in entries(outbox)] == [review.report_id]


def test_send_with_the_server_down_says_why_and_keeps_everything(
    flaky: Flaky, clean_env: dict[str, str], outbox: Path
) -> None:
    """Nobody listening: exit status 1, the reason, "still waiting", and the report keeps
    its place with one more try counted."""
    server = flaky(listening=False)
    report = consented()
    keep(report, QUEUED, Destination(endpoint=server.url), outbox)
    done = command(clean_env, outbox, "send")
    assert done.returncode == 1
    assert f"{report.report_id}: not delivered (could not connect" in done.stdout
    assert done.stdout.endswith("0 delivered, 1 still waiting\n")
    [entry] = entries(outbox)
    assert entry.attempts >= 1
    assert entry.last_error is not None
    assert entry.last_error.startswith("could not connect")


def test_send_by_id_prefix_sends_only_that_one(
    flaky: Flaky, clean_env: dict[str, str], outbox: Path
) -> None:
    """``send ID`` (a unique prefix is enough) sends that report and no other."""
    server = flaky()
    first, second = consented(), consented()
    for report in (first, second):
        keep(report, QUEUED, Destination(endpoint=server.url), outbox)
    done = command(clean_env, outbox, "send", first.report_id[:13])
    assert done.returncode == 0, done.stdout + done.stderr
    assert server.ids() == [first.report_id]
    assert [e.report_id for e in entries(outbox)] == [second.report_id]


def test_send_names_ids_it_cannot_send(clean_env: dict[str, str], outbox: Path) -> None:
    """An unknown id is an error (exit 1); an id awaiting review points to ``review``."""
    review = consented()
    keep(review.payload, REVIEW, Destination(endpoint="https://crash.example.org/v1"), outbox)
    done = command(clean_env, outbox, "send", "ffffffff", review.report_id)
    assert done.returncode == 1
    assert "crashreport: no waiting report ffffffff" in done.stderr
    assert f"{review.report_id} awaits your review: crashreport outbox review" in done.stderr
    assert "nothing to send" in done.stdout


def test_send_with_nothing_queued(clean_env: dict[str, str], outbox: Path) -> None:
    """Nothing queued: "nothing to send", exit 0."""
    done = command(clean_env, outbox, "send")
    assert (done.returncode, done.stdout) == (0, "nothing to send\n")


def test_discard_by_id_prefix_and_all(clean_env: dict[str, str], outbox: Path) -> None:
    """``discard ID`` deletes that report; ``discard --all`` the rest; each one named."""
    reports = [consented() for _ in range(3)]
    for report in reports:
        keep(report, QUEUED, Destination(endpoint="https://crash.example.org/v1"), outbox)
    done = command(clean_env, outbox, "discard", reports[0].report_id[:12])
    assert done.returncode == 0
    assert done.stdout == f"{reports[0].report_id}: discarded\n"
    assert len(entries(outbox)) == 2
    done = command(clean_env, outbox, "discard", "--all")
    assert done.returncode == 0
    assert sorted(done.stdout.splitlines()) == sorted(
        f"{r.report_id}: discarded" for r in reports[1:]
    )
    assert entries(outbox) == []


def test_discard_refuses_an_ambiguous_prefix_and_unknown_ids(
    clean_env: dict[str, str], outbox: Path
) -> None:
    """A prefix that fits several reports discards none of them; an unknown id is named;
    no id at all is a usage error."""
    reports = [consented() for _ in range(2)]
    for report in reports:
        keep(report, QUEUED, Destination(endpoint="https://crash.example.org/v1"), outbox)
    done = command(clean_env, outbox, "discard", "", "0000beef")
    assert done.returncode == 1
    assert "could be any of" in done.stderr
    assert "no waiting report 0000beef" in done.stderr
    assert len(entries(outbox)) == 2
    assert command(clean_env, outbox, "discard").returncode == 2


def test_a_corrupt_file_is_reported_and_the_commands_still_work(
    clean_env: dict[str, str], outbox: Path
) -> None:
    """A damaged file: ``list`` says it was moved aside, and lists the rest."""
    good = consented()
    keep(good, QUEUED, Destination(endpoint="https://crash.example.org/v1"), outbox)
    (outbox / "00000000-0000-4000-8000-000000000000.queued.json").write_text("{oops")
    done = command(clean_env, outbox, "list")
    assert done.returncode == 0
    assert good.report_id in done.stdout
    assert "could not be read" in done.stderr
    assert "moved it aside" in done.stderr
