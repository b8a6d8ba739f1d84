"""Issue 9, target 1, the fast check: installing crashreport imports almost nothing.

``import crashreport; crashreport.install(...)`` runs in every start of the
host application, and most starts never crash, so until a report is made it
may import only:

- crashreport's own light modules, each importing only ``os`` and ``sys``:
  the package, ``config`` (validating the options is the one job install
  has; it also looks for reports an earlier run could not deliver, with one
  ``scandir`` -- delivery's modules load only when one is waiting),
  ``hooks`` (the hooks themselves), and ``checkpoint`` when a checkpoint
  URL is configured (the usage ping's common path: opted out, or not due).
  Every stage module (capture, report, redact, render, consent, the
  transports, handle) imports re, json, attrs, httpx or questionary and loads
  inside the hook, when an exception arrives;
- ``__future__``: ``from __future__ import annotations`` (required by the
  style) really imports that module; it is tiny and imports nothing itself;
- ``atexit``: built into the interpreter (no file to find or load); the
  hooks use it to report, at exit, a crash that a later hook printed without
  calling ours;
- the modules every normal interpreter start has loaded already (``site``
  imports ``os`` and, with it, ``stat``, ``posixpath``, ``_collections_abc``).

Everything else -- third-party (httpx, questionary, prompt_toolkit, attrs,
platformdirs) or standard (re, json, urllib, subprocess, threading, asyncio,
typing, socket, platform, uuid, datetime, pathlib ...) -- costs milliseconds
that every run would pay, and is refused here.

The check runs in a bare interpreter (``-I -S``: no ``site``, so no ``.pth``
file of this venv can preload ``re`` or ``pathlib`` and hide an import), with
``os`` imported first as a normal start would and this venv's site-packages on
the path so a third-party import is seen rather than failing. No timing is
asserted here: the figures live in ``benchmarks/bench_install.py``.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

# What install() may import, and why: see the module docstring.
ALLOWED_OWN = frozenset(
    {
        "crashreport",
        "crashreport.config",
        "crashreport.hooks",
        "crashreport.checkpoint",
    }
)
ALLOWED_STDLIB = frozenset({"__future__", "atexit"})

# Named so a failure says plainly which promise broke; any module outside the
# allowed sets fails the check anyway.
HEAVY = frozenset(
    {
        "httpx",
        "questionary",
        "prompt_toolkit",
        "attrs",
        "attr",
        "platformdirs",
        "re",
        "json",
        "urllib",
        "subprocess",
        "threading",
        "asyncio",
        "typing",
        "socket",
        "platform",
        "uuid",
        "datetime",
        "pathlib",
        "traceback",
        "linecache",
        "inspect",
        "functools",
    }
)

CHILD = r"""
import os, sys  # os: every normal start has it (site imports it); -S does not
root, site_packages, code = sys.argv[1:4]
if sys.flags.no_site:  # bare: put crashreport and this venv's packages on the path
    sys.path[:0] = [root, site_packages]
before = set(sys.modules)
exec(compile(code, "<startup-check>", "exec"))
new = sorted(set(sys.modules) - before)
installed = sys.excepthook is not sys.__excepthook__
import json  # only now: json imports re, which must not be loaded before the check
sys.stdout.write(json.dumps({"new": new, "installed": installed}))
"""

INSTALL = """
import crashreport
crashreport.install(product="startup-check", version="1.0",
                    endpoint="https://crash.example.org/v1")
"""


def imported_by(
    code: str, home: Path, *, bare: bool = True, env: dict[str, str] | None = None
) -> dict:
    """Run ``code`` in a fresh interpreter; the modules it added and whether a hook is set.

    ``bare``: ``-I -S`` (see the module docstring); otherwise this venv's
    interpreter starts normally, with ``site`` and its ``.pth`` finders.
    ``home`` holds the XDG directories: an empty outbox, so no report kept by
    an earlier run starts a background delivery (which imports the rest).
    """
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CRASHREPORT_")
        and k not in ("CHECKPOINT_DISABLE", "DO_NOT_TRACK", "CI")
    }
    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        environ[name] = str(home / name.lower())
    environ.update(env or {})
    flags = ["-I", "-S"] if bare else ["-I"]
    child = subprocess.run(
        [sys.executable, *flags, "-c", CHILD, str(ROOT), site.getsitepackages()[0], code],
        capture_output=True,
        text=True,
        env=environ,
        cwd=str(ROOT.parent),  # not the checkout: crashreport is found only as we put it
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    return json.loads(child.stdout)


def unexpected(new: list[str]) -> list[str]:
    """The imported modules that the promise does not allow."""
    return [m for m in new if m not in ALLOWED_OWN and m not in ALLOWED_STDLIB]


def test_install_imports_only_crashreport_light_modules(tmp_path: Path) -> None:
    """``import crashreport; crashreport.install(...)`` imports nothing beyond the allowed set."""
    result = imported_by(INSTALL, tmp_path)
    assert result["installed"], "install() did not set sys.excepthook: the check proves nothing"
    new = result["new"]
    assert not HEAVY.intersection(new), f"heavy modules on the install path: {HEAVY & set(new)}"
    assert unexpected(new) == [], f"install() imports {unexpected(new)}; allowed: see docstring"
    # the check really saw crashreport being imported
    assert {"crashreport", "crashreport.config", "crashreport.hooks"} <= set(new)


def test_install_from_environment_and_the_quiet_api_import_nothing_more(tmp_path: Path) -> None:
    """Options from CRASHREPORT_* variables, a guard block that does not raise,
    register_secret and uninstall add no module either."""
    code = INSTALL + (
        "crashreport.register_secret('s3cr3t-value')\n"
        "with crashreport.guard():\n"
        "    pass\n"
        "crashreport.uninstall()\n"
        "crashreport.install()\n"
    )
    env = {
        "CRASHREPORT_ENDPOINT": "https://crash.example.org/v2",
        "CRASHREPORT_PRODUCT": "from-env",
        "CRASHREPORT_CAPTURE_LOCALS": "1",
        "CRASHREPORT_PROMPT_TIMEOUT": "30",
    }
    result = imported_by(code, tmp_path, env=env)
    assert result["installed"]
    assert unexpected(result["new"]) == []


def test_install_in_the_venv_as_installed_imports_only_crashreport(tmp_path: Path) -> None:
    """Started normally (site and this venv's editable-install finder), install()
    adds only crashreport's own light modules to what the start already loaded."""
    result = imported_by(INSTALL, tmp_path, bare=False)
    assert result["installed"]
    assert unexpected(result["new"]) == []


def test_install_with_an_opted_out_checkpoint_imports_nothing_more(tmp_path: Path) -> None:
    """With a checkpoint URL configured but the ping opted out (CHECKPOINT_DISABLE=1),
    install() still imports only the allowed modules, and no ping is started."""
    code = INSTALL.replace(")", ", checkpoint_url='https://checkpoint.example.org/v1')")
    result = imported_by(code, tmp_path, env={"CHECKPOINT_DISABLE": "1"})
    assert result["installed"]
    assert "crashreport.checkpoint" in result["new"]  # the checkpoint's common path did run
    assert unexpected(result["new"]) == []


def test_the_check_sees_the_heavy_imports_of_the_report_path(tmp_path: Path) -> None:
    """The same check does catch heavy imports: loading the report path
    (``crashreport.handle``, what the hook imports when a crash arrives) is refused."""
    result = imported_by(INSTALL + "import crashreport.handle\n", tmp_path)
    caught = unexpected(result["new"])
    assert "re" in caught  # the redaction rules' engine
    assert "json" in caught  # the payload's format
    assert "crashreport.handle" in caught
