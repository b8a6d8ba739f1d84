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

from crashreport._version import __version__
from crashreport.config import Config, ConfigError
from crashreport.hooks import guard, install, register_secret, report_exception, uninstall

__all__ = [
    "Config",
    "ConfigError",
    "__version__",
    "guard",
    "install",
    "register_secret",
    "report_exception",
    "uninstall",
]
