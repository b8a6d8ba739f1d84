"""The checkpoint: an anonymous usage ping, and the notices its answers bring back.

``install(checkpoint_url=...)`` calls :func:`start` on every start-up of the
host, so this module is the checkpoint's whole common path -- the ping not
due, or turned off -- and costs a few environment look-ups and one read of a
small cache file. It imports nothing the interpreter has not loaded already
(not platformdirs, json or re); the rest of the package is imported only
when there is something to do: a notice to show, or a ping that is due
(:mod:`crashreport._checkpoint.notices`, then ``.ping``, which starts a
detached worker and returns at once: the host never waits on the network).

Opt-outs always win, and none of them rewrites anything: ``CHECKPOINT_DISABLE``,
``DO_NOT_TRACK``, ``CRASHREPORT_TELEMETRY=0``, ``CI``, and the choice stored by
``crashreport telemetry disable``.
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from crashreport.config import Config

__all__ = [
    "FIELDS",
    "MAGIC",
    "REMIND_EVERY",
    "Paths",
    "decide",
    "environment_reason",
    "is_set",
    "opt_out",
    "parse_head",
    "read_choice",
    "read_head",
    "read_text",
    "start",
]

# the ping's query fields, exactly, in the order they are sent
FIELDS = (
    "product",
    "version",
    "arch",
    "os",
    "python_version",
    "signature",
    "user_agent",
    "timestamp",
)
APP = "crashreport"
# first line of a state file: MAGIC checked notice_at noticed version (see files.State)
MAGIC = "crashreport-checkpoint 1"
MAX_FILE = 64 * 1024  # a state file is a few hundred bytes; anything larger is not ours
REMIND_EVERY = 48 * 3600.0  # the update notice is repeated at most this often
BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation

_started: set[str] = set()  # products already handled in this process


def is_set(value: str | None) -> bool:
    """The rule for ``CHECKPOINT_DISABLE``, ``DO_NOT_TRACK`` and ``CI``: set, and not 0/false."""
    return value is not None and value.strip().lower() not in ("", "0", "false")


def opt_out(environ: Mapping[str, str], telemetry: bool = True) -> str | None:
    """Which opt-out of the environment is set (``telemetry``: the configured switch)."""
    for name in ("CHECKPOINT_DISABLE", "DO_NOT_TRACK"):
        if is_set(environ.get(name)):
            return f"{name}={environ[name]!r} is set in the environment"
    if not telemetry:
        if environ.get("CRASHREPORT_TELEMETRY", "") != "":
            value = environ["CRASHREPORT_TELEMETRY"]
            return f"CRASHREPORT_TELEMETRY={value!r} is set in the environment"
        return "the application turned it off (telemetry=False)"
    if is_set(environ.get("CI")):
        return f"CI={environ['CI']!r} is set: a continuous-integration run"
    return None


def environment_reason(config: Config, environ: Mapping[str, str]) -> str | None:
    """Why the ping is off, judging by the configuration and environment alone (or ``None``)."""
    reason = opt_out(environ, config.telemetry)
    if reason is not None:
        return reason
    if config.checkpoint_url is None:
        return "no checkpoint URL is configured (checkpoint_url, CRASHREPORT_CHECKPOINT_URL)"
    if config.dry_run:
        return "this is a dry run: nothing is sent"
    if getattr(sys, "frozen", False) or not sys.executable:
        return "this interpreter cannot start the background worker (a frozen application)"
    return None


# platformdirs costs ~17 ms to import (tempfile, random, shutil ...); on Linux,
# the BSDs and macOS its user directories are computed here the same way, and
# a test pins them to platformdirs' own answer.
def _home() -> str:
    home = os.environ.get("HOME", "")
    if not os.path.isabs(home):  # like platformdirs: a relative HOME counts as unset
        import pwd  # built in: free

        home = pwd.getpwuid(os.getuid()).pw_dir
    return home


def _user_dir(xdg_variable: str, unix_default: str, macos_default: str, kind: str) -> str:
    if sys.platform == "win32":  # pragma: no cover - the known-folder lookup needs platformdirs
        import platformdirs

        return str(getattr(platformdirs, kind)(APP, appauthor=False))
    base = os.environ.get(xdg_variable, "")
    if not os.path.isabs(base):  # platformdirs honours only an absolute XDG path
        default = macos_default if sys.platform == "darwin" else unix_default
        base = os.path.join(_home(), default)
    return os.path.join(base, APP)


class Paths:
    """Where the checkpoint keeps its files, for the current environment.

    ``cache``: in the user cache dir (``$XDG_CACHE_HOME/crashreport/checkpoint``),
    holding the ``signature`` every product shares and one state file per
    product. ``choice``: the user's stored choice, in the user config dir
    (``$XDG_CONFIG_HOME/crashreport/telemetry``).
    """

    __slots__ = ("cache", "choice", "signature")

    def __init__(self) -> None:
        self.cache = os.path.join(
            _user_dir("XDG_CACHE_HOME", ".cache", "Library/Caches", "user_cache_dir"), "checkpoint"
        )
        self.signature = os.path.join(self.cache, "signature")
        config = _user_dir(
            "XDG_CONFIG_HOME", ".config", "Library/Application Support", "user_config_dir"
        )
        self.choice = os.path.join(config, "telemetry")

    def state(self, product: str) -> str:
        """The state file of one product (its name made safe as a file name)."""
        return os.path.join(self.cache, _file_name(product) + ".state")

    def lock(self, product: str) -> str:
        """The file that makes one run, of several starting at once, the one that pings."""
        return os.path.join(self.cache, _file_name(product) + ".lock")


_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def _file_name(product: str) -> str:
    # distinct products get distinct names: other characters are %-escaped
    name = "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in product)
    if len(name) > 120 or name.startswith("."):
        import hashlib  # only for unusual names

        name = name[:40].lstrip(".") + "-" + hashlib.sha256(product.encode()).hexdigest()[:16]
    return name


def read_text(path: str) -> str | None:
    """The text of a small file, or ``None`` (missing, unreadable, too large, not UTF-8)."""
    try:
        fd = os.open(path, os.O_RDONLY | BINARY)
    except OSError:
        return None
    try:
        data = os.read(fd, MAX_FILE + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def parse_head(line: str) -> tuple[float, float, float, str]:
    """``(checked, notice_at, noticed, version)`` from a state file's first line.

    Raises ``ValueError`` if it is not one.
    """
    fields = line.split(" ", 5)
    if len(fields) != 6 or f"{fields[0]} {fields[1]}" != MAGIC:
        raise ValueError("not a checkpoint state file")
    checked, notice_at, noticed = float(fields[2]), float(fields[3]), float(fields[4])
    if any(n != n or n in (float("inf"), float("-inf")) for n in (checked, notice_at, noticed)):
        raise ValueError("a time is not a number")
    return checked, notice_at, noticed, fields[5]


def read_head(text: str | None) -> tuple[float, float, float, str]:
    """:func:`parse_head` of a state file's text; missing or corrupt: an empty state."""
    try:
        return parse_head((text or "").partition("\n")[0])
    except ValueError:
        return 0.0, 0.0, 0.0, ""


def read_choice(path: str) -> str | None:
    """The user's stored choice: ``"enabled"``, ``"disabled"`` or ``None`` (never chose).

    A file that is there but says anything else, or cannot be read, counts as
    ``"disabled"``: the user tried to say something, and the safe reading of
    an unclear opt-out is "off".
    """
    text = read_text(path)
    if text is None and not os.path.lexists(path):
        return None
    return "enabled" if text is not None and text.strip() == "enabled" else "disabled"


def decide(config: Config, environ: Mapping[str, str], paths: Paths) -> tuple[bool, str]:
    """``(on, why)``: the effective state of the ping and its reason, for people to read.

    The same checks the start-up path makes (which reads the stored choice
    last, only when there is something to do); here the opt-outs come first,
    as they are what a person asking wants to know about.
    """
    reason = opt_out(environ, config.telemetry)
    if reason is not None:
        return False, reason
    choice = read_choice(paths.choice)
    if choice == "disabled":
        return False, f"you turned it off ({paths.choice})"
    reason = environment_reason(config, environ)
    if reason is not None:
        return False, reason
    if choice == "enabled":
        return True, f"you turned it on ({paths.choice}), and no opt-out is set"
    return True, "on by default: no opt-out is set"


def _at_terminal() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except Exception:
        return False


# Runs that start together read the clock a moment apart, so the last ping
# may look a little in the future; only a clock set back further than this
# makes the ping due again.
CLOCK_SLACK = 300.0


def is_due(elapsed: float, interval: float) -> bool:
    """Whether a ping ``elapsed`` seconds after the last one is due."""
    return elapsed >= interval or elapsed < -CLOCK_SLACK


def start(config: Config, *, now: float | None = None) -> None:
    """The checkpoint for this start-up of the host; called by ``install()``.

    Shows due notices from the cache, and starts the ping if it is due. Never
    raises and never prints a traceback: an unusable cache means no ping, and
    an internal error costs one line on stderr.
    """
    if config.checkpoint_url is None or config.product in _started:
        return
    _started.add(config.product)
    try:
        _start(config, time.time() if now is None else now)
    except OSError:
        pass  # the cache or config dir is unusable: as if empty, and nothing is sent
    except Exception as error:  # the checkpoint's fault boundary
        try:  # noqa: SIM105 - contextlib is kept off the start-up path
            sys.stderr.write(f"crashreport: checkpoint skipped ({type(error).__name__})\n")
        except Exception:  # noqa: S110 - stderr closed: nobody left to tell
            pass


def _start(config: Config, now: float) -> None:
    if environment_reason(config, os.environ) is not None:
        return
    paths = Paths()
    checked, notice_at, noticed, version = read_head(read_text(paths.state(config.product)))
    due = is_due(now - checked, config.checkpoint_interval)
    notice = (
        notice_at > 0
        and (notice_at <= now or notice_at - now > REMIND_EVERY)  # due, or the clock went back
        and version == config.version
        and not config.hide_notices
    )
    if not due and not notice:
        return  # the common path ends here
    # Notices (the first-run one too) are for a person: only at a terminal;
    # the first ping waits for a run after the first-run notice was shown.
    if not (due and noticed) and not _at_terminal():
        return
    if read_choice(paths.choice) == "disabled":
        return
    from crashreport._checkpoint.notices import follow_up

    follow_up(config, paths, now, at_terminal=_at_terminal())
