"""What the consent step shows and writes: the full view, paging, saving.

Bare functions of a ``Payload`` (and a ``Terminal``), so each is tested on
its own. The full view *is* the payload: every byte that would be sent,
then its size and SHA-256 -- the digest the upload carries in
``X-Crashreport-Digest`` -- so anyone can check that what arrived is what
was shown.
"""

from __future__ import annotations

import contextlib
import errno
import os

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from pathlib import Path

    from crashreport.consent.terminal import Terminal
    from crashreport.payload import Payload

__all__ = ["default_save_name", "full_view", "page", "save_payload"]


def full_view(payload: Payload) -> str:
    """Every byte of ``payload`` (UTF-8 JSON, pretty-printed), then its size and digest."""
    body = payload.body.decode("utf-8")
    if not body.endswith("\n"):
        body += "\n"
    return (
        f"{body}"
        f"-- {len(payload.body)} bytes, sha256 {payload.digest} --\n"
        "-- this is every byte that will be sent --\n"
    )


def page(text: str, terminal: Terminal) -> None:
    """Show ``text`` whole: through the terminal's pager when it does not fit.

    If the pager cannot be started or fails, the text is written out instead:
    the user always gets to see it.
    """
    fits = text.count("\n") < terminal.rows() - 2
    if fits or terminal.pager is None:
        terminal.write(text)
        return
    terminal.output.flush()
    import subprocess  # only when a pager is started

    try:
        # The pager reads the text on its stdin and draws on the terminal
        # (our stdout, inherited). KeyboardInterrupt (Ctrl-C) goes on up:
        # it means "don't send", there as anywhere else.
        done = subprocess.run(terminal.pager, input=text.encode("utf-8"), check=False)
    except OSError:
        terminal.write(text)
        return
    if done.returncode != 0:
        terminal.write(text)


def default_save_name(payload: Payload) -> str:
    """``crashreport-<first 8 characters of the id>.json``."""
    return f"crashreport-{payload.report_id[:8]}.json"


def save_payload(payload: Payload, where: str, cwd: str | os.PathLike[str] | None = None) -> Path:
    """Write exactly the payload bytes to ``where``; returns the absolute path.

    Relative paths are taken from ``cwd`` (default: the current directory);
    ``~`` is expanded; an existing directory gets the default file name. The
    file is created 0600 and never replaces an existing file or follows a
    symbolic link (``FileExistsError``, ``OSError`` otherwise).
    """
    from pathlib import Path  # only when saving

    base = Path.cwd() if cwd is None else Path(cwd)
    path = base / Path(os.path.expanduser(where.strip() or default_save_name(payload)))
    if path.is_dir():
        path = path / default_save_name(payload)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(payload.body)
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()  # no half-written report left behind
        raise
    return path.resolve()


def describe_os_error(exc: OSError) -> str:
    """A short reason for a failed save (``"it already exists"``)."""
    if exc.errno == errno.EEXIST:
        return "it already exists (nothing was overwritten)"
    return exc.strerror or str(exc)
