"""asyncio: reports from an event loop's exception handler.

A host app turns reporting on for its own loop with
``crashreport.install_asyncio()`` (this module is loaded only then: asyncio
programs pay for it, others do not). Under ``crashreport run`` nobody can add
that line, so ``report_new_loops()`` does it for every loop the program
makes through asyncio's default policy -- ``asyncio.run``, ``asyncio.Runner``,
``new_event_loop()`` -- by replacing the default policy with a subclass whose
``new_event_loop`` installs the handler. A program that sets a policy of its
own (uvloop's, say) keeps it, and then calls ``install_asyncio()`` itself.

asyncio is not imported for a program that never imports it: until it does,
a one-shot finder on ``sys.meta_path`` waits for the import and steps aside
as soon as asyncio is loaded.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

from crashreport.hooks import _OURS, _automatic, _mark, _report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from asyncio import AbstractEventLoop

__all__ = ["install_asyncio", "report_new_loops"]


def install_asyncio(loop: AbstractEventLoop | None = None) -> None:
    """Report exceptions that reach the event loop's exception handler.

    That is where asyncio sends what nobody awaited: a task that died with
    nobody awaiting it ("Task exception was never retrieved"), an exception
    in a callback, a failed future left unobserved. ``loop`` defaults to the
    running loop (call it from a coroutine, e.g. first thing in ``main()``).
    The handler that was there before (or asyncio's default, which logs the
    error) still runs first. Calling it twice for a loop changes nothing.
    ``crashreport run`` does this for every loop the program creates.
    """
    if loop is None:
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "install_asyncio() found no running event loop: call it from a coroutine, "
                "or pass the loop"
            ) from None
    previous = loop.get_exception_handler()
    if getattr(previous, _OURS, False):
        return

    def exception_handler(loop: AbstractEventLoop, context: dict[str, Any]) -> None:
        try:
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)
        finally:
            exc = context.get("exception")
            if isinstance(exc, BaseException) and _automatic(exc):
                # the host's loop goes on afterwards: an interrupt here is the host's
                _report(exc, "asyncio", contained=False)

    loop.set_exception_handler(_mark(exception_handler))


def report_new_loops() -> None:
    """Make every event loop the program creates report through crashreport."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        _use_reporting_policy(asyncio)
    elif not any(isinstance(finder, _WhenImported) for finder in sys.meta_path):
        sys.meta_path.insert(0, _WhenImported())


def _use_reporting_policy(asyncio: Any) -> None:
    default = asyncio.DefaultEventLoopPolicy
    if type(asyncio.get_event_loop_policy()) is not default:
        return  # the program chose its policy; ours would replace it

    class ReportingEventLoopPolicy(default):  # type: ignore[misc, valid-type]
        """asyncio's default policy, whose new loops report through crashreport."""

        def new_event_loop(self) -> Any:
            loop = super().new_event_loop()
            with contextlib.suppress(Exception):  # a loop we cannot hook still runs the program
                install_asyncio(loop)
            return loop

    asyncio.set_event_loop_policy(ReportingEventLoopPolicy())


class _WhenImported:
    """A ``sys.meta_path`` finder that only watches for ``import asyncio``."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "asyncio":
            return None
        try:
            sys.meta_path.remove(self)  # one shot, before the real search
        except ValueError:
            return None
        import importlib.util

        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _ThenPatch(spec.loader)  # type: ignore[assignment]  # duck-typed
        return spec


class _ThenPatch:
    """Loads asyncio with its own loader, then switches to the reporting policy."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        # the module keeps its real loader, as if we had never been there
        module.__loader__ = self.loader
        if getattr(module, "__spec__", None) is not None:
            module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        with contextlib.suppress(Exception):  # never fail the program's import of asyncio
            _use_reporting_policy(module)
