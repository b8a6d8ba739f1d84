"""crashreport: a crash reporter users can trust.

    import crashreport
    crashreport.install(product="mytool", version="1.4.2",
                        endpoint="https://crash.example.org/v1/reports")

Any uncaught exception then becomes a redacted report that the user sees and
is asked -- every time, default no -- to send. Importing this package and
calling ``install()`` imports nothing heavy; the rest loads when a report is
actually made.
"""

from __future__ import annotations

__version__ = "0.1.0.dev0"  # the one place it is written (pyproject.toml reads it)

from crashreport.config import Config, ConfigError
from crashreport.hooks import guard, install, register_secret, report_exception, uninstall

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from crashreport.aio import install_asyncio

__all__ = [
    "Config",
    "ConfigError",
    "__version__",
    "guard",
    "install",
    "install_asyncio",
    "register_secret",
    "report_exception",
    "uninstall",
]


def __getattr__(name: str) -> Any:
    # install_asyncio lives with the rest of the asyncio support, loaded on first use
    if name == "install_asyncio":
        from crashreport.aio import install_asyncio

        return install_asyncio
    raise AttributeError(f"module 'crashreport' has no attribute {name!r}")
