"""The checkpoint's local files and their tiny text formats.

A product's state file is ``key value`` lines (no json: ``re`` comes with it),
whose first line carries what the start-up check needs (see
:func:`crashreport.checkpoint.read_head`). Every reader treats a missing,
unreadable or corrupt file as empty; every writer replaces its file
atomically (a temporary file, then a rename).
"""

from __future__ import annotations

import os

from crashreport.checkpoint import BINARY, MAGIC, REMIND_EVERY, is_due, parse_head, read_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from crashreport.config import Config

__all__ = [
    "Alert",
    "State",
    "clean",
    "ensure_signature",
    "is_signature",
    "read_signature",
    "read_state",
    "write_choice",
    "write_state",
]


def _write(path: str, text: str) -> None:
    """Replace ``path`` atomically (readers see the old or the new file, never half)."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | BINARY, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
    try:
        os.replace(temporary, path)
    except OSError:
        os.unlink(temporary)
        raise


def clean(text: str, limit: int) -> str:
    """``text`` as one printable line of at most ``limit`` characters.

    What a server sends ends up on the user's terminal: control characters
    (escape sequences, carriage returns, tabs, newlines) become spaces.
    """
    text = "".join(c if c.isprintable() else " " for c in text[: limit * 2])
    return " ".join(text.split())[:limit]


class Alert:
    """A security or other notice the server sent for this version."""

    __slots__ = ("id", "level", "message", "url")

    def __init__(self, id: str, level: str, url: str, message: str) -> None:
        self.id = clean(id, 64)
        self.level = clean(level, 16) or "notice"
        self.url = clean(url, 300)
        self.message = clean(message, 300)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Alert):
            return NotImplemented
        return (self.id, self.level, self.url, self.message) == (
            other.id,
            other.level,
            other.url,
            other.message,
        )

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"Alert({self.id!r}, {self.level!r}, {self.url!r}, {self.message!r})"


class State:
    """What the checkpoint remembers about one product (all times: Unix seconds, 0 = never).

    checked, version
        When the last ping was started, and the host version it reported.
    noticed
        When the first-run notice was shown (no ping before it).
    answered
        When the last well-formed answer arrived; ``update`` and ``alerts`` hold it.
    update
        ``(current_version, url)`` when the server said this version is outdated.
    reminded
        When the update notice was last shown (it is shown at most every 48 hours).
    shown
        Ids of the alerts already shown (each alert is shown once).
    """

    __slots__ = (
        "alerts",
        "answered",
        "checked",
        "noticed",
        "reminded",
        "shown",
        "update",
        "version",
    )

    def __init__(self) -> None:
        self.checked = self.noticed = self.answered = self.reminded = 0.0
        self.version = ""
        self.update: tuple[str, str] | None = None
        self.alerts: tuple[Alert, ...] = ()
        self.shown: tuple[str, ...] = ()

    def is_due(self, config: Config, now: float) -> bool:
        """Whether the interval since the last ping has passed (a clock set back
        by more than a few minutes counts)."""
        return is_due(now - self.checked, config.checkpoint_interval)

    def notice_at(self) -> float:
        """When a notice from the cached answer is next due (0: none is pending)."""
        if not self.answered:
            return 0.0
        times = []
        if any(alert.id not in self.shown for alert in self.alerts):
            times.append(1.0)  # at once
        if self.update is not None and self.update[0] != self.version:
            times.append(self.reminded + REMIND_EVERY if self.reminded else 1.0)
        return min(times, default=0.0)

    def dump(self) -> str:
        """The file's text: the head line, then ``key value`` lines (alert fields tab-separated)."""
        lines = [
            f"{MAGIC} {self.checked!r} {self.notice_at()!r} {self.noticed!r}"
            f" {clean(self.version, 200)}",
            f"answered {self.answered!r}",
            f"reminded {self.reminded!r}",
        ]
        if self.update is not None:
            lines.append(f"update {self.update[0]}\t{self.update[1]}")
        lines += [f"alert {a.id}\t{a.level}\t{a.url}\t{a.message}" for a in self.alerts]
        lines += [f"shown {alert_id}" for alert_id in self.shown]
        return "\n".join(lines) + "\n"


def _parse(text: str) -> State:
    state = State()
    lines = text.split("\n")
    state.checked, _notice_at, state.noticed, state.version = parse_head(lines[0])
    alerts: list[Alert] = []
    shown: list[str] = []
    for line in lines[1:]:
        key, _, value = line.partition(" ")
        if key in ("answered", "reminded"):
            number = float(value)
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError(f"{key} is not a time")
            setattr(state, key, number)
        elif key == "update":
            current, _, url = value.partition("\t")
            state.update = (clean(current, 64), clean(url, 300))
        elif key == "alert":
            fields = value.split("\t")
            if len(fields) != 4:
                raise ValueError("an alert has four fields")
            alerts.append(Alert(*fields))
        elif key == "shown":
            shown.append(value)
        elif key:
            raise ValueError(f"unknown line {key!r}")
    state.alerts, state.shown = tuple(alerts), tuple(shown)
    return state


def read_state(path: str) -> State:
    """The state in ``path``; an empty state if it is missing, unreadable or corrupt."""
    text = read_text(path)
    if text is None:
        return State()
    try:
        return _parse(text)
    except (ValueError, TypeError):
        return State()


def write_state(path: str, state: State) -> None:
    """Save ``state`` atomically; raises ``OSError`` if the cache is unwritable."""
    _write(path, state.dump())


_HEX = frozenset("0123456789abcdef")


def is_signature(text: str) -> bool:
    """Whether ``text`` is a random (version 4) UUID in its canonical form."""
    return (
        len(text) == 36
        and all(text[i] == "-" for i in (8, 13, 18, 23))
        and all(c in _HEX for i, c in enumerate(text) if i not in (8, 13, 18, 23))
        and text[14] == "4"
        and text[19] in "89ab"
    )


def read_signature(path: str) -> str | None:
    """The stored signature, or ``None`` if there is none yet (or it is corrupt)."""
    text = (read_text(path) or "").strip()
    return text if is_signature(text) else None


def _new_signature() -> str:
    # a UUID4 from os.urandom, without importing uuid: 122 random bits
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def ensure_signature(path: str) -> str:
    """The signature every product shares, created on first use; raises ``OSError``.

    Two programs creating it at the same moment end up with the same one: the
    new file is linked into place only if none exists yet.
    """
    existing = read_signature(path)
    if existing is not None:
        return existing
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    _write(temporary, _new_signature() + "\n")
    try:
        if os.path.lexists(path):  # there, but corrupt: replace it
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another program was first: use its signature
            except OSError:  # a file system without hard links
                os.replace(temporary, path)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)
    signature = read_signature(path)
    if signature is None:
        raise OSError(f"{path}: the signature could not be stored")
    return signature


def write_choice(path: str, choice: str) -> None:
    """Store ``"enabled"`` or ``"disabled"``; raises ``OSError`` if it cannot."""
    if choice not in ("enabled", "disabled"):
        raise ValueError(f"unknown choice {choice!r}")
    _write(path, choice + "\n")
