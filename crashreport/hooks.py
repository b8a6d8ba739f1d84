"""The entry points: ``install``, ``uninstall``, ``guard``, ``report_exception``.

This module is on the start-up path of every host application, so it imports
only what the interpreter has already loaded (``sys``, ``os``) plus our own
light ``config``. Everything that makes a report is imported inside
``_report``, when an exception actually arrives.

Every hook here is a fault boundary: whatever happens while reporting, the
host sees Python's own traceback first, its previous hook still runs, and at
most one line of ours follows.
"""

from __future__ import annotations

import sys

from crashreport.config import Config

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType
    from typing import Any, Literal, ParamSpec, TypeVar

    from crashreport.outcome import Outcome

    P = ParamSpec("P")
    R = TypeVar("R")

__all__ = [
    "guard",
    "install",
    "installed_config",
    "register_secret",
    "report_exception",
    "uninstall",
]

_SEEN = "_crashreport_seen"  # attribute set on an exception once it was reported
INTERNAL = "_crashreport_internal"  # attribute marking threads crashreport started


class _State:
    config: Config | None = None
    previous_excepthook: Callable[..., Any] | None = None
    previous_thread_hook: Callable[..., Any] | None = None
    secrets: list[str] = []  # noqa: RUF012 - one process-wide list, by design


_state = _State()


def say(message: str) -> None:
    """Print one line of ours on stderr; never raises (stderr may be closed)."""
    try:
        sys.stderr.write(f"crashreport: {message}\n")
        sys.stderr.flush()
    except Exception:  # noqa: S110 - nothing left to tell the user with
        pass


def install(config: Config | None = None, **options: Any) -> None:
    """Report uncaught exceptions of this program, with the user's consent.

    Accepts the options of :class:`Config` as keywords (or a ``Config``);
    ``CRASHREPORT_*`` environment variables override them, and
    ``CRASHREPORT_DISABLE=1`` installs nothing. Raises ``ConfigError`` for bad
    configuration. Calling it again replaces the configuration.
    """
    if config is not None and options:
        raise TypeError("install() takes either a Config or keyword options, not both")
    if config is not None:
        options = {name: getattr(config, name) for name in Config.__slots__}
    config = Config.from_sources(options)
    if config.disabled:
        uninstall()
        return
    if _state.config is None:
        _state.previous_excepthook = sys.excepthook
        sys.excepthook = _excepthook
        _install_thread_hook()
    _state.config = config


def uninstall() -> None:
    """Restore the hooks that were installed before ``install()``."""
    if _state.config is None:
        return
    if sys.excepthook is _excepthook and _state.previous_excepthook is not None:
        sys.excepthook = _state.previous_excepthook
    _uninstall_thread_hook()
    _state.config = None
    _state.previous_excepthook = _state.previous_thread_hook = None


def register_secret(value: str) -> None:
    """Remove ``value`` from every report, wherever and however it appears.

    Also its URL-encoded, base64 and JSON-escaped forms. Use it for secrets
    that have no telling shape (a customer's API key read from a file).
    """
    if not isinstance(value, str) or not value:
        raise TypeError("register_secret() needs a non-empty string")
    if value not in _state.secrets:
        _state.secrets.append(value)


def installed_config() -> Config | None:
    """The active configuration, or ``None`` when crashreport is not installed."""
    return _state.config


# threading.excepthook without importing threading: ``threading`` takes its
# default hook from ``_thread._excepthook`` when it is first imported, so when
# the host has not imported threading yet we hand ours to ``_thread`` (free)
# instead of importing threading (about 4 ms, more than all of install()).
def _install_thread_hook() -> None:
    threading: Any = sys.modules.get("threading")
    if threading is not None:
        _state.previous_thread_hook = threading.excepthook
        threading.excepthook = _thread_excepthook
        return
    import _thread

    _state.previous_thread_hook = _thread._excepthook
    _thread._excepthook = _thread_excepthook


def _uninstall_thread_hook() -> None:
    previous = _state.previous_thread_hook
    if previous is None:
        return
    import _thread

    if getattr(_thread, "_excepthook", None) is _thread_excepthook:
        _thread._excepthook = previous
    threading: Any = sys.modules.get("threading")
    if threading is not None:
        if threading.excepthook is _thread_excepthook:
            threading.excepthook = previous
        if getattr(threading, "__excepthook__", None) is _thread_excepthook:
            threading.__excepthook__ = previous


def _excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    previous = _state.previous_excepthook or sys.__excepthook__
    try:
        previous(exc_type, exc, tb)  # the user first sees Python's own traceback
    finally:
        if _wanted(exc) and not hasattr(sys, "ps1"):  # never in an interactive shell
            _report(exc, "excepthook", contained=True)


def _thread_excepthook(args: Any) -> None:
    previous = _state.previous_thread_hook or sys.modules["threading"].__excepthook__
    try:
        previous(args)
    finally:
        exc = args.exc_value
        if exc is not None and _wanted(exc) and not getattr(args.thread, INTERNAL, False):
            _report(exc, "thread", contained=True)


def _wanted(exc: BaseException) -> bool:
    # KeyboardInterrupt, SystemExit, GeneratorExit and CancelledError are how
    # programs stop, not crashes; exception groups of them alike.
    return isinstance(exc, Exception) and not getattr(exc, _SEEN, False)


def _mark_seen(exc: BaseException) -> None:
    try:  # noqa: SIM105 - contextlib is kept off the start-up path
        setattr(exc, _SEEN, True)
    except Exception:  # noqa: S110 - an exception type with __slots__: may be seen twice
        pass


def _report(exc: BaseException, mechanism: str, *, contained: bool) -> Outcome | None:
    """Make, show, and (with consent) send a report for ``exc``.

    ``contained``: we are inside an exception hook, the program is ending, and
    nothing may escape (not even KeyboardInterrupt, which here means "stop
    reporting"). Otherwise the host's code is running and an interrupt is its.
    """
    _mark_seen(exc)
    config = _state.config or Config.from_sources({})
    try:
        from crashreport.handle import handle

        return handle(exc, config, mechanism, secrets=tuple(_state.secrets))
    except (KeyboardInterrupt, SystemExit):
        if not contained:
            raise
        say("interrupted; nothing more was sent")
    except BaseException as error:  # the fault boundary of the whole reporter
        say(f"internal error ({type(error).__name__}: {_safe_str(error)}); nothing was sent")
    return None


def _safe_str(error: BaseException) -> str:
    try:
        return str(error)[:200]
    except Exception:
        return "?"


def report_exception(exc: BaseException) -> Outcome | None:
    """Report a caught exception (asking the user, as for a crash); returns the outcome.

    Never raises because of the reporter; returns ``None`` if reporting itself
    failed, after saying so on stderr.
    """
    if not isinstance(exc, BaseException):
        raise TypeError(f"report_exception() needs an exception, not {type(exc).__name__}")
    return _report(exc, "report_exception", contained=False)


class guard:
    """Report an exception raised inside the block (or function), then re-raise it.

    ``with crashreport.guard(): ...`` or ``@crashreport.guard()``. The same
    exception reaching the excepthook later is not reported twice.
    """

    def __enter__(self) -> guard:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        if exc is not None and _wanted(exc):
            _report(exc, "guard", contained=False)
        return False  # the exception goes on, unchanged

    def __call__(self, func: Callable[P, R]) -> Callable[P, R]:
        import functools

        @functools.wraps(func)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            with self:
                return func(*args, **kwargs)

        return guarded
