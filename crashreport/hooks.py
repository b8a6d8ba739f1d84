"""The entry points: ``install``, ``uninstall``, ``guard``, ``report_exception``,
and the hooks they set (``crashreport.aio`` adds the asyncio one).

This module is on the start-up path of every host application, so it imports
only what the interpreter has already loaded (``sys``, ``os``, ``_thread``),
the builtin ``atexit``, and our own light ``config``.
Everything that makes a report -- ``crashreport.reporting`` and the stages it
calls -- is imported when an exception actually arrives.

Every hook here is a fault boundary: whatever happens while reporting, the
host sees Python's own traceback first (the previous hook runs first, always),
and at most one line of ours follows. Each installation makes new hook
functions that remember the hook they replaced; ``uninstall()`` puts that one
back, or -- when another library has since wrapped ours -- leaves ours in its
chain as a pure pass-through, so no chain is ever broken or looped.

Defined behaviour in odd places (see the README):

- interactive shells (``sys.ps1``, ``python -i``): the hooks only pass on;
- interpreter shutdown (``sys.is_finalizing()``): nothing is reported;
- a child made by ``os.fork()``: the hooks only pass on until ``install()`` is
  called in the child (it would fight its parent for the terminal);
- ``multiprocessing`` workers: never report; their failures belong to the
  parent (a pool re-raises them there, where they are reported);
- a later hook that replaces ours without calling it (rich's
  ``traceback.install``, an IPython-style hook): the crash it printed is still
  reported, at exit.
"""

from __future__ import annotations

import _thread
import atexit
import os
import sys

from crashreport.config import Config, has_queued_reports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType
    from typing import Any, Literal, ParamSpec, TypeVar

    from crashreport.outcome import Outcome

    P = ParamSpec("P")
    R = TypeVar("R")
    H = TypeVar("H", bound=Callable[..., None])

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
_OURS = "_crashreport_hook"  # attribute marking the hook functions we make


class _State:
    config: Config | None = None
    generation = 0  # hooks made by an earlier installation only pass on
    excepthook: Any = None  # the hooks of the current generation ...
    thread_hook: Any = None
    unraisable_hook: Any = None
    previous: dict[str, Any] = {}  # noqa: RUF012 - ... and what each replaced
    forked = False  # in an os.fork() child that has not called install() itself
    secrets: list[str] = []  # noqa: RUF012 - one process-wide list, by design
    reporting: set[int] = set()  # noqa: RUF012 - threads making a report right now
    unmarkable: list[BaseException] = []  # noqa: RUF012 - reported, but refused _SEEN
    lock = _thread.allocate_lock()  # one report at a time, whichever thread crashed
    at_exit = False  # the exit check is registered
    at_fork = False  # the fork handler is registered


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
    ``CRASHREPORT_*`` environment variables
    override them, and ``CRASHREPORT_DISABLE=1`` installs nothing. Raises
    ``ConfigError`` for bad configuration. Calling it again replaces the
    configuration.
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
        _hook_in()
    _state.forked = False  # in an os.fork() child: the hooks are there, now they report
    _set_unraisable_hook(config.unraisable)
    _state.config = config
    if config.checkpoint_url is not None:  # the usage ping (never raises; see checkpoint)
        from crashreport.checkpoint import start

        start(config)
    if not config.dry_run and has_queued_reports(config.outbox_dir):  # one scandir
        # reports agreed to earlier wait: deliver them in the background
        from crashreport.transport import redeliver

        redeliver.schedule(config)


def uninstall() -> None:
    """Restore the hooks that were installed before ``install()``.

    A hook of ours that another library has wrapped since stays in that
    library's chain, passing everything on and reporting nothing.
    """
    if _state.config is None and not _state.forked:
        return
    _state.config = None
    _state.forked = False
    _state.generation += 1  # every hook made so far now only passes on
    if sys.excepthook is _state.excepthook:
        sys.excepthook = _state.previous["excepthook"]
    _unhook_threads(_state.thread_hook, _state.previous.get("thread"))
    _set_unraisable_hook(False)
    _state.excepthook = _state.thread_hook = None


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
    return None if _state.forked else _state.config


# ---------------------------------------------------------------- the hooks


def _hook_in() -> None:
    _state.generation += 1
    generation = _state.generation
    previous = sys.excepthook if callable(sys.excepthook) else sys.__excepthook__
    _state.previous["excepthook"] = previous
    _state.excepthook = sys.excepthook = _make_excepthook(previous, generation)

    _hook_threads(generation)
    if not _state.at_exit:
        _state.at_exit = True
        atexit.register(_at_exit)
    if not _state.at_fork and hasattr(os, "register_at_fork"):
        _state.at_fork = True
        os.register_at_fork(after_in_child=_after_fork_in_child)


# threading.excepthook without importing threading: ``threading`` takes its
# default hook from ``_thread._excepthook`` when it is first imported, so when
# the host has not imported threading yet we hand ours to ``_thread`` (free)
# instead of importing threading (about 4 ms, more than all of install()).
def _hook_threads(generation: int) -> None:
    threading: Any = sys.modules.get("threading")
    before = threading.excepthook if threading is not None else _thread._excepthook
    _state.previous["thread"] = before
    _state.thread_hook = hook = _make_thread_hook(before, generation)
    if threading is not None:
        threading.excepthook = hook
    else:
        _thread._excepthook = hook  # threading copies it when it is imported


def _unhook_threads(ours: Any, previous: Any) -> None:
    if ours is None or previous is None:
        return
    if getattr(_thread, "_excepthook", None) is ours:
        _thread._excepthook = previous
    threading: Any = sys.modules.get("threading")
    if threading is not None:
        if threading.excepthook is ours:
            threading.excepthook = previous
        if getattr(threading, "__excepthook__", None) is ours:  # imported after install()
            threading.__excepthook__ = previous


def _set_unraisable_hook(wanted: bool) -> None:
    mine = _state.unraisable_hook
    if wanted and mine is None:
        previous = sys.unraisablehook
        _state.previous["unraisable"] = previous
        _state.unraisable_hook = sys.unraisablehook = _make_unraisable_hook(previous)
    elif not wanted and mine is not None:
        if sys.unraisablehook is mine:
            sys.unraisablehook = _state.previous["unraisable"]
        # if another hook wrapped it, it stays in that chain and only passes on
        _state.unraisable_hook = None


def _mark(hook: H) -> H:
    setattr(hook, _OURS, True)
    return hook


def _make_excepthook(previous: Callable[..., Any], generation: int) -> Callable[..., None]:
    def excepthook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        try:
            previous(exc_type, exc, tb)  # the user first sees Python's own traceback
        finally:
            if generation == _state.generation and _automatic(exc):
                _report(exc, "excepthook", contained=True)

    return _mark(excepthook)


def _make_thread_hook(previous: Callable[..., Any], generation: int) -> Callable[..., None]:
    def thread_excepthook(args: Any) -> None:
        try:
            previous(args)
        finally:
            exc = args.exc_value
            ours = getattr(args.thread, INTERNAL, False)
            if generation == _state.generation and not ours and _automatic(exc):
                _report(exc, "thread", contained=True)

    return _mark(thread_excepthook)


def _make_unraisable_hook(previous: Callable[..., Any]) -> Callable[..., None]:
    def unraisablehook(unraisable: Any) -> None:
        try:
            previous(unraisable)
        finally:
            exc = unraisable.exc_value
            if _state.unraisable_hook is unraisablehook and _automatic(exc):
                _report(exc, "unraisable", contained=True)

    return _mark(unraisablehook)


def _automatic(exc: BaseException | None) -> bool:
    """Whether a hook should report ``exc`` now (``guard`` and
    ``report_exception`` are asked explicitly and skip the shell check)."""
    return (
        exc is not None
        and _state.config is not None
        and not _state.forked
        and _wanted(exc)
        and not hasattr(sys, "ps1")
        and not sys.flags.interactive
    )


def _wanted(exc: BaseException) -> bool:
    # KeyboardInterrupt, SystemExit, GeneratorExit and CancelledError are how
    # programs stop, not crashes; exception groups of them alike.
    if not isinstance(exc, Exception) or getattr(exc, _SEEN, False):
        return False
    return not any(exc is seen for seen in _state.unmarkable)


def _mark_seen(exc: BaseException) -> None:
    try:
        setattr(exc, _SEEN, True)
    except Exception:  # a type that refuses attributes: remember it (a few, strongly)
        _state.unmarkable = [*_state.unmarkable[-15:], exc]


def _at_exit() -> None:
    """The crash that ended the program, if no hook of ours saw it.

    Python keeps the uncaught exception in ``sys.last_value``; if a hook
    installed after ours replaced it without calling it, ours never ran --
    report it now, after that hook printed it. Only then: while ours is still
    ``sys.excepthook``, ``sys.last_value`` was set by someone else (pytest
    keeps a failed test's exception there) and is no crash of the program.
    """
    exc = getattr(sys, "last_value", None)
    replaced = sys.excepthook is not _state.excepthook
    if replaced and isinstance(exc, BaseException) and _automatic(exc):
        _report(exc, "excepthook", contained=True)


def _after_fork_in_child() -> None:
    _state.forked = _state.config is not None
    _state.lock = _thread.allocate_lock()  # the parent's holder does not exist here
    _state.reporting = set()


def _report(exc: BaseException, mechanism: str, *, contained: bool) -> Outcome | None:
    """Make a report (see ``crashreport.reporting``, loaded only now)."""
    try:
        from crashreport.reporting import report
    except BaseException as error:  # crashreport is broken: that is all we can say
        say(f"internal error ({type(error).__name__}); nothing was sent")
        return None
    return report(exc, mechanism, contained=contained)


def report_exception(exc: BaseException) -> Outcome | None:
    """Report a caught exception (asking the user, as for a crash); returns the outcome.

    Returns ``None`` without reporting for an exception that was reported
    already, for ``KeyboardInterrupt``, ``SystemExit`` and other exceptions
    that are not ``Exception``\\ s, when crashreport is disabled
    (``CRASHREPORT_DISABLE=1``) or this is an ``os.fork()`` child that has not
    called ``install()``, and -- after
    saying so on stderr -- if reporting itself failed. Never raises because
    of the reporter.
    """
    if not isinstance(exc, BaseException):
        raise TypeError(f"report_exception() needs an exception, not {type(exc).__name__}")
    if _state.forked or not _wanted(exc):
        return None
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
        if exc is not None and not _state.forked and _wanted(exc):
            _report(exc, "guard", contained=False)
        return False  # the exception goes on, unchanged

    def __call__(self, func: Callable[P, R]) -> Callable[P, R]:
        import functools

        if _is_coroutine_function(func):
            # guard what the coroutine does when it runs, not only its creation
            @functools.wraps(func)
            async def guarded_coroutine(*args: P.args, **kwargs: P.kwargs) -> Any:
                with self:
                    return await func(*args, **kwargs)  # type: ignore[misc]

            return guarded_coroutine  # type: ignore[return-value]

        @functools.wraps(func)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            with self:
                return func(*args, **kwargs)

        return guarded


_CO_COROUTINE = 0x80  # inspect.CO_COROUTINE, without importing inspect at decoration time


def _is_coroutine_function(func: object) -> bool:
    """``async def`` functions (and methods), as ``inspect.iscoroutinefunction`` sees them."""
    func = getattr(func, "__func__", func)
    code = getattr(func, "__code__", None)
    return bool(getattr(code, "co_flags", 0) & _CO_COROUTINE)
