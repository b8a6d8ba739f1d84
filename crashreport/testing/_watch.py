"""``Watch``: while it runs, every prompt, consent and send of crashreport is seen.

It wraps, for its duration only, the public seams every report passes:

- ``consent.ask`` -- each conversation, and each "Send report" (a yes);
- ``outbox.entries``/``claim`` -- reports read back from the outbox, with
  their state (a ``queued`` one was agreed to before; a ``review`` one never);
- the ``send`` method of every transport class in ``crashreport.transport``
  (``JsonTransport``, ``SentryTransport``, ...) -- so every send, however
  the code under test got its transport;
- ``handle.process`` -- what crashreport writes to its stream, and the dry
  runs (during which no socket may be opened: see ``_sockets``).

A send is checked against the consents seen: the very ``ConsentedReport``
a "Send report" made, or one made from a queued outbox entry. Anything
else is blocked and, under the guard, fails the test, naming the report.
"""

from __future__ import annotations

import contextlib
import io
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from crashreport import consent
from crashreport.consent import prompt
from crashreport.payload import ConsentedReport, Payload
from crashreport.testing import _sockets
from crashreport.testing._answers import Answers
from crashreport.testing._guard import ANSWERS, GUARD, CheckFailed, Guard, describe
from crashreport.testing._records import Conversation, Recording
from crashreport.testing._sends import Ledger, judge, transport_classes
from crashreport.transport import outbox
from crashreport.transport.base import Delivery, Destination

__all__ = ["Watch"]


class _Tee(io.TextIOBase):
    """crashreport's output stream, also kept in the recording."""

    def __init__(self, stream: TextIO, keep: Callable[[str], None]) -> None:
        self.stream, self.keep = stream, keep

    def write(self, text: str) -> int:
        self.keep(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


class Watch:
    """Sees every prompt, consent and send while it runs (``start``/``stop``, or ``with``).

    ``recording`` is what it saw; ``answers`` scripts the prompt; ``guard``
    turns what is wrong into failures. ``deliver`` sets ``recording.deliver``.
    """

    def __init__(self, *, deliver: bool = False, guard: bool = False) -> None:
        self.recording = Recording(deliver=deliver)
        self.answers = Answers(self)
        self.guard = Guard(self)
        if guard:
            self.guard.enable()
        self.running = False
        self._patches: list[tuple[object, str, object]] = []
        self._ledger = Ledger()
        self._talks: list[Conversation] = []  # the conversations going on (innermost last)
        self._dry: list[_sockets.Scope] = []
        self._problems: list[tuple[str, str]] = []
        self._told: set[str] = set()
        self._lock = threading.RLock()

    def __enter__(self) -> Watch:
        self.start()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        failures = self.stop()
        if failures and exc is None:
            raise CheckFailed(describe(failures))

    # ------------------------------------------------------------------ life

    def patch(self, owner: object, name: str, value: object) -> None:
        """Replace ``owner.name`` with ``value`` until ``stop``."""
        if not self.running:
            raise RuntimeError("this Watch is not running: start it first (or use it in a with)")
        if not hasattr(owner, name):
            raise RuntimeError(
                f"crashreport.testing needs {getattr(owner, '__name__', owner)}.{name}, which "
                "this crashreport does not have (crashreport and its testing module disagree)"
            )
        with self._lock:
            self._patches.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    def start(self) -> None:
        """Begin watching (raises ``RuntimeError`` if already running)."""
        if self.running:
            raise RuntimeError("this Watch is already running")
        from crashreport import handle

        self.running = True
        try:
            ask = self._ask(consent.ask)
            self.patch(consent, "ask", ask)
            self.patch(prompt, "ask", ask)
            self.patch(outbox, "entries", self._entries_of(outbox.entries))
            self.patch(outbox, "claim", self._claim_of(outbox.claim))
            self.patch(handle, "process", self._process(handle.process))
            for cls in transport_classes():
                self.patch(cls, "send", self._send_of(cls.send))
        except BaseException:
            self.stop()  # what was patched is put back
            raise

    def stop(self) -> list[str]:
        """Stop watching, put everything back; returns the failures not told yet."""
        if not self.running:
            return []
        with self._lock:
            patches, self._patches = self._patches, []
            scopes, self._dry = self._dry, []
        for owner, name, old in reversed(patches):
            setattr(owner, name, old)
        for scope in scopes:
            _sockets.close(scope)
        failures = self.take_failures()
        self.running = False
        self.answers.active = False
        return failures

    # ------------------------------------------------------------------ problems

    def problem(self, kind: str, message: str) -> None:
        """Note a problem (``"guard"`` or ``"answers"``)."""
        with self._lock:
            self._problems.append((kind, message))

    def problems(self, kind: str) -> list[str]:
        """The problems of one kind noted so far."""
        with self._lock:
            return [message for k, message in self._problems if k == kind]

    def take_failures(self) -> list[str]:
        """The problems that fail the test and were not returned before: the guard's
        (when it is on), the script's (when answers are scripted)."""
        wanted = []
        if self.guard.enabled:
            wanted += self.problems(GUARD)
        if self.answers.active:
            wanted += self.problems(ANSWERS) + self.answers.problems()
        with self._lock:
            new = [message for message in dict.fromkeys(wanted) if message not in self._told]
            self._told.update(new)
        return new

    # ------------------------------------------------------------------ dry runs

    @contextlib.contextmanager
    def dry_scope(self, thread: int | None, what: str) -> Iterator[None]:
        """No socket while this lasts, in ``thread`` (and crashreport's own threads),
        or in every thread (``None``)."""
        if not self.running:
            raise RuntimeError("this Watch is not running: start it first (or use it in a with)")
        scope = _sockets.open_scope(lambda m: self.problem(GUARD, m), thread=thread, what=what)
        with self._lock:
            self._dry.append(scope)
        try:
            yield
        finally:
            _sockets.close(scope)
            with self._lock:
                if scope in self._dry:
                    self._dry.remove(scope)

    def _in_dry_run(self) -> bool:
        with self._lock:
            return any(scope.covers() for scope in self._dry)

    # ------------------------------------------------------------------ the seams

    def conversation(self) -> Conversation | None:
        """The conversation going on now, if any."""
        with self._lock:
            return self._talks[-1] if self._talks else None

    def _ask(self, original: Callable[..., consent.Decision]) -> Callable[..., consent.Decision]:
        def ask(
            payload: Payload, *, screen: str, destination: str, timeout: float, **rest: Any
        ) -> consent.Decision:
            talk = Conversation(payload.report_id, destination, screen, payload, timeout=timeout)
            # held across the call, so the conversation this records is the one being asked
            with consent.one_at_a_time():
                self.recording.add_conversation(talk)
                with self._lock:
                    self._talks.append(talk)
                try:
                    decision = original(
                        payload, screen=screen, destination=destination, timeout=timeout, **rest
                    )
                finally:
                    with self._lock:
                        self._talks.remove(talk)
            talk.answer, talk.reason, talk.payload = (
                decision.answer,
                decision.reason,
                decision.payload,
            )
            if decision.consented is not None:
                self._ledger.add_yes(decision.consented, talk)
            if talk.unasked:
                self.problem(
                    ANSWERS,
                    f"the prompt about report {talk.report_id} ended ({decision.answer}"
                    f"{': ' + decision.reason if decision.reason else ''}) before the script "
                    f"was used up: {list(talk.unasked)!r} never came",
                )
            return decision

        return ask

    def _entries_of(self, original: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
        def entries(*args: Any, **kwargs: Any) -> list[Any]:
            found = original(*args, **kwargs)
            for entry in found:
                self._ledger.note(entry)
            return found

        return entries

    def _claim_of(self, original: Callable[..., Any]) -> Callable[..., Any]:
        @contextlib.contextmanager
        def claim(entry: Any) -> Iterator[Any]:
            with original(entry) as held:
                if held is not None:
                    self._ledger.note(held)
                yield held

        return claim

    def _process(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def process(report: Any, config: Any, *, out: TextIO | None = None, **rest: Any) -> Any:
            stream = out or sys.stderr
            if not isinstance(stream, _Tee):
                stream = _Tee(stream, self.recording.add_output)
            if not (self.guard.enabled and config.dry_run):
                return original(report, config, out=stream, **rest)
            what = f"the dry run of report {report.id}"
            with self.dry_scope(threading.get_ident(), what):
                return original(report, config, out=stream, **rest)

        return process

    # ------------------------------------------------------------------ sends

    # ------------------------------------------------------------------ sends

    def _send_of(self, original: Callable[[Any, ConsentedReport], Delivery]) -> Callable[..., Any]:
        def send(transport: Any, report: ConsentedReport) -> Delivery:
            if not self.running:  # a transport used after the watch ended
                return original(transport, report)
            destination = getattr(transport, "destination", None)
            if not isinstance(destination, Destination):
                destination = Destination()
            return judge(
                report,
                destination,
                lambda: original(transport, report),
                ledger=self._ledger,
                recording=self.recording,
                problem=self.problem,
                dry_run=self._in_dry_run(),
            )

        return send
