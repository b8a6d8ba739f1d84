"""File paths of a report, made relative and free of identity.

``/home/alice/proj/.venv/lib/python3.11/site-packages/httpx/_client.py``
becomes ``httpx/_client.py`` (a package's files from the package name: every
``site-packages`` and standard-library directory), ``/home/alice/proj/src/app/db.py``
becomes ``src/app/db.py`` (the project's files from the project root), any
other file in the home directory starts with ``~``. The most specific rule
wins. Names that are not paths (``<frozen posixpath>``, ``<string>``) stay.
"""

from __future__ import annotations

import os
import sys

__all__ = ["PathStyle", "project_root"]

_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git", ".hg")


def project_root(start: str | None = None) -> str | None:
    """The directory of the running program's project.

    The nearest directory at or above the main script (or the current
    directory when there is none, as with ``python -c``) holding a project
    marker (``pyproject.toml``, ``setup.py``, ``.git``, ...); the script's own
    directory when none does. Never the home directory or one above it (a
    dotfiles repository in ``~`` is not the project).
    """
    if start is None:
        main = sys.modules.get("__main__")
        main_file = getattr(main, "__file__", None)
        try:
            start = os.path.dirname(os.path.abspath(main_file)) if main_file else os.getcwd()
        except (OSError, TypeError, ValueError):
            return None
    home = _home()
    forbidden = {os.path.dirname(home), home} if home else set()
    folder = start
    for _ in range(40):
        if folder in forbidden:
            break
        if any(os.path.exists(os.path.join(folder, marker)) for marker in _MARKERS):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    if start == os.path.dirname(start) or start in forbidden:
        return None  # "/" or the home directory: every path would be "relative" to it
    return start


def _home() -> str | None:
    home = os.path.expanduser("~")
    return None if home == "~" else os.path.normpath(home)


def _library_dirs() -> list[str]:
    # The standard library is where ``os`` came from; packages are in the
    # site-packages (dist-packages) directories on the path. (``sysconfig``
    # would say the same, for milliseconds of import in the crashed process.)
    found: list[str] = []
    stdlib = getattr(os, "__file__", None)
    if isinstance(stdlib, str):
        found.append(os.path.dirname(os.path.abspath(stdlib)))
    for entry in sys.path:
        if isinstance(entry, str) and os.path.basename(entry) in ("site-packages", "dist-packages"):
            found.append(entry)
    return found


class PathStyle:
    """Turns an absolute file path into the form a report shows; built once per report."""

    def __init__(self, root: str | None = None, home: str | None = None) -> None:
        rules: list[tuple[str, str]] = [(d, "") for d in _library_dirs()]
        root = project_root() if root is None else root
        if root:
            rules.append((root, ""))
        home = _home() if home is None else home
        if home:
            rules.append((home, "~" + os.sep))
        # longest first: a virtualenv inside the project is still "a package"
        prefixes = {os.path.normpath(p).rstrip(os.sep) + os.sep: shown for p, shown in rules if p}
        self._rules = sorted(prefixes.items(), key=lambda rule: -len(rule[0]))
        self._cache: dict[str, str] = {}

    def __call__(self, filename: str) -> str:
        """The shown form of ``filename``."""
        shown = self._cache.get(filename)
        if shown is None:
            shown = self._cache[filename] = self._convert(filename)
        return shown

    def _convert(self, filename: str) -> str:
        if not filename or (filename.startswith("<") and filename.endswith(">")):
            return filename
        try:
            path = os.path.normpath(os.path.abspath(filename))
        except (OSError, ValueError):
            return filename
        for prefix, shown in self._rules:
            if path.startswith(prefix):
                return shown + path[len(prefix) :]
        return path
