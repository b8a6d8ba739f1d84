"""The package version (kept in one place; read by the User-Agent)."""

__version__ = "0.1.0.dev0"
