"""Configuration: keyword arguments, overridden by ``CRASHREPORT_*`` variables.

``Config`` is an immutable value object, validated once when it is built, so a
mistake is reported loudly at ``install()`` and never at crash time.

It is deliberately a plain ``__slots__`` class rather than an attrs class:
``install()`` builds one, and install must stay nearly free (attrs alone costs
about 30 ms to import). Only the standard library's smallest modules are used
here; nothing in this module may import ``re``, ``urllib`` or third-party code.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing itself costs ~10 ms to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

__all__ = [
    "DEFAULT_MAX_REPORT_SIZE",
    "Config",
    "ConfigError",
    "is_loopback_host",
    "shown_host",
    "split_url",
]


class ConfigError(ValueError):
    """A configuration value is invalid; raised by ``install()`` and ``Config()``."""


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def parse_bool(name: str, raw: str) -> bool:
    """Read a boolean environment value, or raise ``ConfigError`` naming the variable."""
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no)")


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` names this machine only (plain HTTP is allowed there)."""
    host = host.strip("[]").lower()
    if host in ("localhost", "::1") or host.endswith(".localhost"):
        return True
    parts = host.split(".")
    return len(parts) == 4 and parts[0] == "127" and all(p.isdigit() for p in parts)


def shown_host(url: str | None) -> str | None:
    """The host name a user is told a report goes to (``will be sent to <host>``):
    ``None`` with no URL, "an invalid address" for one that does not parse."""
    if not url:
        return None
    try:
        return split_url(url)[1]
    except ConfigError:
        return "an invalid address"


def split_url(url: str) -> tuple[str, str, int | None, str]:
    """Split ``scheme://[userinfo@]host[:port]/path`` into (scheme, host, port, path).

    A tiny parser, so that validating an endpoint at install time does not
    import ``urllib.parse`` (and ``re`` with it). Raises ``ConfigError``.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.isascii() or not scheme.replace("+", "").isalnum():
        raise ConfigError(f"{url!r} is not a URL (expected scheme://host/...)")
    authority, slash, path = rest.partition("/")
    authority = authority.split("?", 1)[0].split("#", 1)[0]
    hostport = authority.rpartition("@")[2]
    port: int | None = None
    if hostport.startswith("["):
        host, _, tail = hostport[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else ""
    else:
        host, _, port_text = hostport.partition(":")
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"{url!r} has an invalid port {port_text!r}")
        port = int(port_text)
    if not host or any(c.isspace() for c in host):
        raise ConfigError(f"{url!r} has no host")
    return scheme.lower(), host.lower(), port, slash + path


def _check_endpoint(name: str, url: str | None) -> str | None:
    if url is None or url == "":
        return None
    if not isinstance(url, str):
        raise ConfigError(f"{name} must be a string URL, not {type(url).__name__}")
    scheme, host, _port, _path = split_url(url)
    if scheme == "https":
        return url
    if scheme == "http":
        if is_loopback_host(host):
            return url
        raise ConfigError(
            f"{name}={url!r}: plain http:// is only allowed for loopback hosts; use https://"
        )
    raise ConfigError(f"{name}={url!r}: the scheme must be https:// (or http:// on loopback)")


def _check_checkpoint_url(name: str, url: str | None) -> str | None:
    url = _check_endpoint(name, url)
    if url is not None and ("?" in url or "#" in url):
        # the ping sends a fixed set of query fields and nothing else
        raise ConfigError(f"{name}={url!r}: a checkpoint URL takes no query or fragment")
    return url


def _check_dsn(name: str, dsn: str | None) -> str | None:
    if dsn is None or dsn == "":
        return None
    if not isinstance(dsn, str):
        raise ConfigError(f"{name} must be a string, not {type(dsn).__name__}")
    scheme, host, _port, path = split_url(dsn)
    key = dsn.partition("://")[2].rpartition("@")[0].partition(":")[0]
    if not key:
        raise ConfigError(f"{name}: a Sentry DSN carries its public key (scheme://KEY@host/ID)")
    if not path.strip("/").rpartition("/")[2].isdigit():
        raise ConfigError(f"{name}: a Sentry DSN ends with its numeric project id")
    _check_endpoint(name, f"{scheme}://{host}/")
    return dsn


def _check_text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{name} must be a string, not {type(value).__name__}")
    if not value.strip() or len(value) > 200 or not value.isprintable():
        raise ConfigError(f"{name}={value!r} must be 1-200 printable characters")
    return value


def _check_seconds(name: str, value: object) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ConfigError(f"{name}={value!r} is not a number of seconds") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ConfigError(f"{name}={value!r} must be a positive number of seconds")
    return float(value)


def _check_flag(name: str, value: object) -> bool:
    if isinstance(value, str):
        return parse_bool(name, value)
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be True or False, not {value!r}")
    return value


def _as_tuple(name: str, value: object, what: str) -> tuple[object, ...]:
    if isinstance(value, str | bytes):
        raise ConfigError(f"{name} must be a list of {what}, not a single string")
    try:
        return tuple(value)  # type: ignore[arg-type]  # checked: TypeError below
    except TypeError:
        raise ConfigError(f"{name} must be a list of {what}") from None


def _check_strings(name: str, value: object) -> tuple[str, ...]:
    items = _as_tuple(name, value, "strings")
    if not all(isinstance(v, str) and v for v in items):
        raise ConfigError(f"{name} must be a list of non-empty strings")
    return items  # type: ignore[return-value]


def _check_rules(name: str, value: object) -> tuple[Callable[..., Any], ...]:
    items = _as_tuple(name, value, "redaction rules")
    for item in items:
        if not callable(item):
            raise ConfigError(f"{name}: {item!r} is not a redaction rule (a callable)")
    return items  # type: ignore[return-value]


def _check_names(name: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):  # the environment's form: "LANG,TERM"
        value = [part.strip() for part in value.split(",") if part.strip()]
    items = _as_tuple(name, value, "names")
    for item in items:
        if not isinstance(item, str) or not item or not item.isprintable() or len(item) > 200:
            raise ConfigError(f"{name}: {item!r} is not a name")
    return items  # type: ignore[return-value]


DEFAULT_MAX_REPORT_SIZE = 1_000_000  # bytes of payload JSON
_SMALLEST_REPORT = 16_384  # below this a report cannot hold a useful traceback


def _check_size(name: str, value: object) -> int:
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ConfigError(f"{name}={value!r} is not a number of bytes") from None
    if isinstance(value, bool) or not isinstance(value, int) or value < _SMALLEST_REPORT:
        raise ConfigError(f"{name}={value!r} must be a number of bytes >= {_SMALLEST_REPORT}")
    return value


def _optional_path(name: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str | os.PathLike):
        raise ConfigError(f"{name} must be a path")
    return os.fspath(value)


QUEUED_SUFFIX = ".queued.json"  # outbox.filename(id, QUEUED): a report agreed, not delivered


def outbox_hint() -> str | None:
    """The default outbox directory as ``transport.outbox.default_directory()``
    finds it, computed without importing platformdirs (~15 ms) because
    ``install()`` looks there on every start; ``None`` where only platformdirs
    knows (a test holds the two to the same answer)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA", "")
        return os.path.join(base, "crashreport", "outbox") if base else None
    if os.environ.get("ANDROID_DATA") == "/data" and os.environ.get("ANDROID_ROOT") == "/system":
        return None  # platformdirs' Android rules
    xdg = os.environ.get("XDG_DATA_HOME", "")
    if xdg.startswith("/"):  # platformdirs ignores a relative XDG variable
        base = xdg
    else:
        home = os.environ.get("HOME", "")
        if not home.startswith("/"):
            return None  # platformdirs then asks the password database
        if sys.platform == "darwin":
            base = os.path.join(home, "Library", "Application Support")
        else:
            base = os.path.join(home, ".local", "share")
    return os.path.join(base, "crashreport", "outbox")


def has_queued_reports(outbox_dir: str | None) -> bool:
    """Whether the outbox holds a report the user agreed to send that is not
    delivered yet: one ``scandir``; never raises."""
    try:
        folder = outbox_dir or outbox_hint()
        if folder is None:
            return False
        with os.scandir(folder) as listing:
            return any(item.name.endswith(QUEUED_SUFFIX) for item in listing)
    except OSError:
        return False


# name -> (default, validator, environment variable or None)
_FIELDS: dict[str, tuple[Any, Callable[[str, Any], Any], str | None]] = {
    "product": ("python-app", _check_text, "CRASHREPORT_PRODUCT"),
    "version": ("0", _check_text, "CRASHREPORT_VERSION"),
    "endpoint": (None, _check_endpoint, "CRASHREPORT_ENDPOINT"),
    "dsn": (None, _check_dsn, "CRASHREPORT_DSN"),
    "dry_run": (False, _check_flag, "CRASHREPORT_DRY_RUN"),
    "disabled": (False, _check_flag, "CRASHREPORT_DISABLE"),
    "capture_locals": (False, _check_flag, "CRASHREPORT_CAPTURE_LOCALS"),
    "keep_unanswered": (True, _check_flag, None),
    "prompt_timeout": (300.0, _check_seconds, "CRASHREPORT_PROMPT_TIMEOUT"),
    "send_timeout": (5.0, _check_seconds, "CRASHREPORT_SEND_TIMEOUT"),
    "outbox_dir": (None, _optional_path, "CRASHREPORT_OUTBOX_DIR"),
    "checkpoint_url": (None, _check_checkpoint_url, "CRASHREPORT_CHECKPOINT_URL"),
    "checkpoint_interval": (12 * 3600.0, _check_seconds, None),
    "telemetry": (True, _check_flag, "CRASHREPORT_TELEMETRY"),
    "hide_notices": (False, _check_flag, "CRASHREPORT_HIDE_NOTICES"),
    "secrets": ((), _check_strings, None),
    "rules": ((), _check_rules, None),
    "unraisable": (False, _check_flag, "CRASHREPORT_UNRAISABLE"),
    "include_argv": (False, _check_flag, "CRASHREPORT_INCLUDE_ARGV"),
    "include_environment": ((), _check_names, "CRASHREPORT_INCLUDE_ENVIRONMENT"),
    "packages": ((), _check_names, "CRASHREPORT_PACKAGES"),
    "max_report_size": (DEFAULT_MAX_REPORT_SIZE, _check_size, "CRASHREPORT_MAX_REPORT_SIZE"),
}


class Config:
    """Everything ``install()`` accepts, validated and frozen.

    product, version
        Name and version of the host application (sent with each report).
    endpoint
        ``https://`` URL that receives JSON reports (``http://`` only on loopback).
    dsn
        A Sentry-compatible DSN; reports then go as Sentry envelopes.
    dry_run
        Show everything, send nothing, open no socket.
    disabled
        Install nothing at all.
    capture_locals
        Include (redacted) local variables of each frame; off by default.
    keep_unanswered
        Keep reports nobody could answer for (non-interactive runs, a prompt
        timed out) in the outbox for ``crashreport outbox review``.
    prompt_timeout, send_timeout
        Seconds before an unanswered prompt means "don't send", and the
        total time one delivery may take before the report waits in the outbox.
    outbox_dir
        Where reports wait; default: the platform's user data directory.
    checkpoint_url, checkpoint_interval, telemetry, hide_notices
        The anonymous usage ping and its update/security notices.
    secrets
        Values the host app knows are secret; removed wherever they appear.
    rules
        Extra redaction rules, run after (never instead of) the built-in ones.
    unraisable
        Also report exceptions Python can only print and ignore
        (``sys.unraisablehook``: errors in ``__del__``, in weakref callbacks,
        at garbage collection). Off by default.
    include_argv
        Include ``sys.argv`` (redacted). Off by default.
    include_environment
        Names of environment variables to include (values redacted; a
        variable with a sensitive name is replaced whatever its value).
    packages
        Distribution names whose installed versions the report carries
        (``("httpx", "attrs")``); a missing one shows as ``not installed``.
    max_report_size
        Upper bound of one report's payload, in bytes (default 1 MB). A larger
        report is cut down -- locals first, then long strings, then middle
        frames -- and says what was cut.
    """

    __slots__ = tuple(_FIELDS)

    product: str
    version: str
    endpoint: str | None
    dsn: str | None
    dry_run: bool
    disabled: bool
    capture_locals: bool
    keep_unanswered: bool
    prompt_timeout: float
    send_timeout: float
    outbox_dir: str | None
    checkpoint_url: str | None
    checkpoint_interval: float
    telemetry: bool
    hide_notices: bool
    secrets: tuple[str, ...]
    rules: tuple[Callable[..., Any], ...]
    unraisable: bool
    include_argv: bool
    include_environment: tuple[str, ...]
    packages: tuple[str, ...]
    max_report_size: int

    def __init__(self, **values: Any) -> None:
        unknown = sorted(set(values) - set(_FIELDS))
        if unknown:
            raise ConfigError(
                f"unknown option(s) {', '.join(unknown)}; known: {', '.join(_FIELDS)}"
            )
        for name, (default, check, _env) in _FIELDS.items():
            value = values.get(name, default)
            object.__setattr__(self, name, value if value is default else check(name, value))

    @classmethod
    def from_sources(
        cls, options: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Config:
        """Keyword options, each overridden by its ``CRASHREPORT_*`` variable when set."""
        values = dict(options or {})
        env = os.environ if environ is None else environ
        for name, (_default, check, var) in _FIELDS.items():
            if var is not None and env.get(var, "") != "":
                # checked under the variable's name, so the error says what to fix
                values[name] = check(var, env[var])
        return cls(**values)

    def replace(self, **changes: Any) -> Config:
        """A copy with some options changed (validated like the original)."""
        values = {name: getattr(self, name) for name in _FIELDS}
        values.update(changes)
        return Config(**values)

    @property
    def destination(self) -> str | None:
        """The host reports are sent to, for the consent screen (``None``: nowhere)."""
        url = self.dsn or self.endpoint
        return split_url(url)[1] if url else None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Config is immutable; use config.replace({name}=...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Config is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Config):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in _FIELDS)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, n) for n in _FIELDS))

    def __repr__(self) -> str:
        def show(name: str) -> str:
            value = getattr(self, name)
            # never print a secret, not even in a debugging repr
            return f"<{len(value)} secret(s)>" if name == "secrets" else repr(value)

        shown = ", ".join(
            f"{n}={show(n)}" for n, (d, _, _) in _FIELDS.items() if getattr(self, n) != d
        )
        return f"Config({shown})"
