"""What a test saw crashreport do: conversations, sends, and what it wrote.

``Recording`` is filled by ``Watch`` while it runs; ``assert_no_secrets``
looks for planted strings in all of it (or in any text, bytes or payload).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

import attrs

from crashreport.payload import Payload
from crashreport.transport.base import Delivery, Destination

__all__ = ["Conversation", "Recording", "SecretLeaked", "Sent", "assert_no_secrets"]

PROMPT = "prompt"  # Sent.consent: "Send report" was chosen in this test
OUTBOX = "outbox"  # Sent.consent: agreed to earlier, sent again from the outbox queue
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]")
MIN_SECRET = 4  # shorter strings match by accident


def plain(text: str) -> str:
    """Terminal output without escape sequences, with plain newlines."""
    return _ESCAPES.sub("", text).replace("\r\n", "\n").replace("\r", "")


@attrs.define
class Conversation:
    """One consent prompt about one report, as it went.

    ``screen`` is the report, its summary and the destination as the consent
    step was given them; ``shown`` every text the consent step wrote on the
    terminal (the screen, the full view, a comment as it will be sent ...),
    when the terminal was scripted (``Answers``); ``transcript`` all that was
    drawn, the questions too; ``scripted`` the steps ``Answers`` gave it and
    ``unasked`` those it never got to. ``answer`` is the end (``"send"``,
    ``"decline"``, ``"cancel"``, ``"unanswered"``, ``"no_terminal"``) and
    ``payload`` what was offered last (a comment changes it).
    """

    report_id: str
    destination: str
    screen: str
    payload: Payload
    answer: str = ""
    reason: str = ""
    shown: list[str] = attrs.field(factory=list)
    timeout: float = 0.0
    transcript: str = ""
    scripted: tuple[Any, ...] | None = None  # the steps the script gave it
    unasked: tuple[Any, ...] = ()  # steps of the script no question got to

    def shown_text(self) -> str:
        """What the person was shown, as one text."""
        return "".join(self.shown) if self.shown else self.screen


@attrs.frozen
class Sent:
    """One report the code under test handed to a transport.

    ``consent`` says what made it sendable: ``"prompt"`` (a "Send report" in
    this test: ``shown`` is what the person saw before it), ``"outbox"`` (a
    queued report, agreed to before, sent again), or ``None`` (nothing did:
    it was blocked). ``delivery`` is what the send returned; ``delivered``
    whether it went to the real transport (``Recording.deliver``).
    """

    payload: Payload
    destination: Destination
    consent: str | None
    shown: str
    delivery: Delivery
    delivered: bool

    @property
    def report_id(self) -> str:
        """The report's id."""
        return self.payload.report_id

    @property
    def host(self) -> str | None:
        """Where it was going (as the prompt names it)."""
        return self.destination.host

    @property
    def body(self) -> bytes:
        """The payload bytes, exactly as they would be uploaded."""
        return self.payload.body

    def data(self) -> dict[str, Any]:
        """The payload as JSON data."""
        return self.payload.data()


@attrs.define
class Recording:
    """Everything crashreport showed and tried to send while a ``Watch`` ran.

    ``deliver``: whether a consented report also goes to the real transport
    (``True``), or is only recorded (``False``: nothing leaves the process) --
    and answered as delivered, except a report sent again from the outbox,
    which is answered "try again later" so that it stays there (a recording
    test never empties anyone's outbox). A report nothing consented to is
    never delivered. ``output`` holds what crashreport wrote to its stream
    (stderr): the screens of dry runs and of runs with no destination, and
    the line saying what became of each report.
    """

    deliver: bool = False
    sent: list[Sent] = attrs.field(factory=list)
    conversations: list[Conversation] = attrs.field(factory=list)
    output: list[str] = attrs.field(factory=list)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False)

    def add_sent(self, sent: Sent) -> None:
        """Keep ``sent`` (transports may send from any thread)."""
        with self._lock:
            self.sent.append(sent)

    def add_conversation(self, talk: Conversation) -> None:
        """Keep ``talk`` (filled in as the prompt goes on)."""
        with self._lock:
            self.conversations.append(talk)

    def add_output(self, text: str) -> None:
        """Keep what crashreport wrote to its stream."""
        with self._lock:
            self.output.append(text)

    def shown(self) -> str:
        """Everything shown: each conversation, then what was written to the stream."""
        with self._lock:
            parts = [c.shown_text() for c in self.conversations] + list(self.output)
        return "".join(parts)

    def reports(self) -> list[dict[str, Any]]:
        """The payload of each report sent, as JSON data, in order."""
        return [sent.data() for sent in list(self.sent)]

    def assert_no_secrets(self, *secrets: str) -> None:
        """Fail (``SecretLeaked``) if any of ``secrets`` is in anything shown, offered or sent."""
        assert_no_secrets(secrets, self)


class SecretLeaked(AssertionError):
    """A planted secret appears in something shown or sent."""


def _places(where: object, label: str) -> Iterator[tuple[str, str | bytes]]:
    """(label, text or bytes) for everything in ``where`` a secret could be in."""
    if isinstance(where, Recording):
        for number, talk in enumerate(list(where.conversations), 1):
            yield (
                f"what was shown for report {talk.report_id} (prompt {number})",
                plain(talk.shown_text()),
            )
            yield from _places(talk.payload, f"the payload offered for report {talk.report_id}")
        for sent in list(where.sent):
            yield from _places(sent.payload, f"the payload sent for report {sent.report_id}")
        if where.output:
            yield "what crashreport wrote to its stream", plain("".join(where.output))
    elif isinstance(where, Sent):
        yield from _places(where.payload, f"the payload sent for report {where.report_id}")
        yield f"what was shown for report {where.report_id}", plain(where.shown)
    elif isinstance(where, Conversation):
        yield f"what was shown for report {where.report_id}", plain(where.shown_text())
        yield from _places(where.payload, f"the payload offered for report {where.report_id}")
    elif isinstance(where, Payload):
        yield label, where.body
        try:
            data = json.loads(where.body)
        except ValueError:
            return
        # the strings as they are, JSON escapes undone ("\"" -> '"', "\u00e9" -> "é")
        yield label, "\n".join(_strings(data))
    elif isinstance(where, str | bytes):
        yield label, where
    elif isinstance(where, Iterable):
        for number, item in enumerate(where, 1):
            yield from _places(item, f"{label} #{number}")
    else:
        raise TypeError(
            "assert_no_secrets() looks in a Recording, Sent, Conversation, Payload, str or bytes"
            f" (or a list of them), not {type(where).__name__}"
        )


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(data, list):
        for item in data:
            yield from _strings(item)


def _forms(secret: str) -> dict[str, str]:
    """The secret as written, and as JSON and URLs escape it."""
    forms = {
        "as is": secret,
        "JSON-escaped": json.dumps(secret)[1:-1],
        "JSON-escaped (ASCII)": json.dumps(secret, ensure_ascii=True)[1:-1],
        "percent-encoded": quote(secret, safe=""),
    }
    return {name: form for name, form in forms.items() if form != secret or name == "as is"}


def _around(text: str, at: int, size: int) -> str:
    start, end = max(0, at - 30), min(len(text), at + size + 30)
    return ("..." if start else "") + text[start:end] + ("..." if end < len(text) else "")


def assert_no_secrets(secrets: Iterable[str] | str, *where: object) -> None:
    """Fail with ``SecretLeaked`` if any planted secret is in any of ``where``.

    ``secrets`` are strings the test planted (a password in an exception
    message, a token in a local variable); each is looked for as written,
    JSON-escaped and percent-encoded, in every text and payload of ``where``:
    ``Recording`` (everything shown, offered and sent), ``Sent``,
    ``Conversation``, ``Payload``, ``str`` or ``bytes``, or lists of them.
    Raises ``ValueError`` for a secret shorter than 4 characters (it would
    match by accident) and ``TypeError`` for a place it cannot look in.
    """
    wanted = [secrets] if isinstance(secrets, str) else list(secrets)
    if not wanted:
        raise ValueError("assert_no_secrets() needs the planted secrets to look for")
    for secret in wanted:
        if not isinstance(secret, str):
            raise TypeError(f"a secret is a str, not {type(secret).__name__}")
        if len(secret) < MIN_SECRET:
            raise ValueError(
                f"the secret {secret!r} is shorter than {MIN_SECRET} characters: "
                "it would be found by accident; plant a longer one"
            )
    if not where:
        raise ValueError("assert_no_secrets() needs somewhere to look (a Recording, a text ...)")
    found: list[str] = []
    places = [place for item in where for place in _places(item, "the text")]
    for secret in wanted:
        forms = _forms(secret)
        told: set[str] = set()  # one line per secret and place
        for label, content in places:
            text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
            for name, form in forms.items():
                at = text.find(form)
                if at != -1 and label not in told:
                    told.add(label)
                    how = "" if name == "as is" else f" ({name})"
                    context = _around(text, at, len(form))
                    found.append(f"the secret {secret!r}{how} is in {label}: {context!r}")
    if found:
        raise SecretLeaked("planted secret(s) leaked:\n  - " + "\n  - ".join(found))
