"""Key/value pairs printed as 2-tuples: ``('x-api-key', 'k3y')``.

Header lists (``requests``' ``headers.items()``, urllib's ``addheaders``),
gRPC metadata (``metadata=[('authorization', 'Bearer x')]``), ASGI's raw
headers (``(b'cookie', b'sid=...')``) and the repr of any mapping's items
(``dict_items([('DB_PASSWORD', 'x')])``, ``os.environ.items()``) write a
key and its value as a tuple, with no ``=`` or ``:`` between them. The key
is judged by ``classify_key``, as for every other syntax.

Linear: each candidate is read backwards from the literal ``")`` that closes it; the
key and the value are bounded, possessive runs, and the pair must close
with ``)`` right after the value, so no text is read twice.
"""

from __future__ import annotations

from crashreport.redact.commands import value_hits
from crashreport.redact.patterns import lazy
from crashreport.redact.scan import Hit, Scan, ScanRule
from crashreport.redact.syntax import classify_key

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["KeyValueTuples"]

# Read in the reversed, lower-cased view where every quote is ``"`` (see
# ``scan``): from the ``")`` that closes a pair -- far rarer than ``("`` in text
# built to be slow -- the value, then ``", "``, then the key.
_REV_PAIR = lazy(
    r"\)\"(?P<value>[^\"\n]{1,4096}+)\"b?[ \t]{0,2}+,\"(?P<key>[a-z0-9_.-]{1,64}+)\"b?\("
)
_SCHEMES = frozenset("bearer basic token digest negotiate ntlm apikey".split())
_KINDS = frozenset({"password", "token", "secret", "user", "database", "host", "port"})


class KeyValueTuples(ScanRule):
    """Values of sensitive keys written as ``('key', 'value')`` tuples."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text, n = scan.text, len(scan.text)
        if "')" not in text and '")' not in text:
            return
        for pair in scan.matches(_REV_PAIR, scan.rcls):
            key = pair["key"][::-1]
            kind = classify_key(key) if key[0].isalpha() or key[0] == "_" else None
            if kind not in _KINDS:
                continue
            opening = n - pair.end()
            if opening and (text[opening - 1].isalnum() or text[opening - 1] in "_."):
                continue  # a call's arguments, not a tuple: cp.get("database", "password")
            a, b = n - pair.end("value"), n - pair.start("value")
            if text[a - 1] != text[b]:
                continue  # the quotes around the value do not pair
            scheme, space, _credential = text[a:b].partition(" ")
            if space and scheme.lower() in _SCHEMES:  # ('authorization', 'Bearer x')
                a += len(scheme) + 1
            yield from value_hits(text, scan, kind, a, b)
