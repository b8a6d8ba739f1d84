"""Values a library echoes back when it rejects them, named elsewhere than by a key.

- pydantic (v2) prints each validation error as its field's location on a
  line of its own, then the message with the input::

      api_key
        String should have at least 40 characters [type=too_short, input_value='ak_4f', ...]

  The location names the value, so its last part is judged by
  ``classify_key`` like any key. An input longer than 50 characters is
  printed cut in the middle (``'{first 25}...{last 24}'``): a cut dict can
  show a sensitive key's end only (``...rd': 'x'}``), whose value goes too.
- urllib3 cannot parse a URL's authority (``Failed to parse: 'svc:Ab' is not
  a valid host or port``): what it shows is a host, or a login cut short at
  a ``#`` or ``/`` of its password.
- configparser's ``ParsingError`` quotes each line it could not read
  (``[line  5]: 'sntryu_...'``): a line with no ``=`` is a value without its
  key, so it goes whole.
- configparser's interpolation errors print the raw rest of an option's
  value -- a password is the usual value holding ``%`` or ``$`` --
  (``'%' must be followed by '%' or '(', found: '%Zx!9'``), or the whole raw
  value after the option's name (``option 'password' ... Raw value: 'x'``).

Linear: each candidate starts at a literal (``input_value=``, ``found: ``,
``Failed to parse: ``, ``Raw value: ``), found by ``str.find`` and paid for
(``Scan.budget``); what is read around it -- the line above, the value, the
option's name -- is bounded, and only a value closed on its line counts.
"""

from __future__ import annotations

from crashreport.redact.commands import value_hits
from crashreport.redact.scan import Hit, Scan, ScanRule
from crashreport.redact.syntax import classify_key, key_endings, read_value

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["RejectedValues"]

_INPUT = "input_value="
_LOCATION_REACH = 256  # a location line longer than this is not pydantic's
_CUT = "..."
_CUT_KEY_TAIL = 16  # the most of a cut key that pydantic's 24 last characters show
_FOUND = (
    "'%' must be followed by '%' or '(', found: ",  # BasicInterpolation
    "'$' must be followed by '$' or '{', found: ",  # ExtendedInterpolation
    "bad interpolation variable reference ",
    "More than one ':' found: ",
    "bad follower token ",  # netrc: the word after a keyword that lost its name
    "bad toplevel token ",
)
_UNPARSED = "Failed to parse: "
_PARSING_LINE = "\t[line "
_RAW_VALUE = ". Raw value: "
_OPTION = "option '"
_OPTION_REACH = 320  # configparser's message, from the option's name to "Raw value"


class RejectedValues(ScanRule):
    """Inputs echoed by pydantic and configparser errors (see the module docstring)."""

    def hits(self, scan: Scan) -> Iterator[Hit]:
        text = scan.text
        if "_" in text and _INPUT in text:  # one character first: a memchr
            yield from _pydantic_inputs(text, scan)
        colon = ":" in text and ": " in text  # most markers hold it: one search for them
        if colon or "bad " in text:
            for marker in _FOUND:
                if marker in text:
                    for pos in _after(scan, marker):
                        yield from _quoted_value(text, pos, "secret")
        if colon and _RAW_VALUE in text:
            yield from _raw_values(text, scan)
        if colon and _UNPARSED in text:
            yield from _unparsed(text, scan)
        if "\t" in text and _PARSING_LINE in text:
            yield from _unparsable_lines(text, scan)


def _unparsable_lines(text: str, scan: Scan) -> Iterator[Hit]:
    """configparser's ``ParsingError``: ``[line  5]: 'sntryu_...\\n'``, a raw line of
    the file that had no ``key = value`` -- often a value that lost its key."""
    for pos in _after(scan, _PARSING_LINE):
        digits = pos
        while digits < len(text) and digits - pos < 12 and text[digits] in " 0123456789":
            digits += 1
        if digits > pos and text.startswith("]: ", digits):
            span = _closed(text, digits + 3)
            if span is not None:
                end = span[1] - 2 if text.endswith("\\n", span[0], span[1]) else span[1]
                if end > span[0]:
                    yield span[0], end, "secret", None, "", None


# What a candidate costs of ``Scan.budget``: each reads a line or two around
# its marker, as much as several pattern matches would.
_CANDIDATE_COST = 4


def _after(scan: Scan, marker: str) -> Iterator[int]:
    """Where each occurrence of ``marker`` ends, each one paid for (``Scan.budget``)."""
    for at in scan.occurrences(marker, _CANDIDATE_COST):
        yield at + len(marker)


def _unparsed(text: str, scan: Scan) -> Iterator[Hit]:
    for pos in _after(scan, _UNPARSED):
        span = _closed(text, pos)
        if span is not None:
            value = text[span[0] : span[1]]
            if "://" not in value:  # a whole URL is read by ``connections``
                _host, colon, tail = value.rpartition(":")
                login = colon and not tail.isdigit() and "@" not in value
                yield from value_hits(text, scan, "userpass" if login else "host", *span)


def _pydantic_inputs(text: str, scan: Scan) -> Iterator[Hit]:
    for value_at in _after(scan, _INPUT):
        kind = _location_kind(text, value_at - len(_INPUT))
        if kind is not None:
            span = _closed(text, value_at)  # a quoted string, not a dict
            if span is not None:
                yield from value_hits(text, scan, kind, *span)
        if text[value_at : value_at + 1] in ("{", "["):
            yield from _cut_mapping(text, value_at)


def _location_kind(text: str, at: int) -> str | None:
    """The kind named by the location line above the error line holding ``at``."""
    line_start = text.rfind("\n", max(0, at - _LOCATION_REACH), at) + 1
    if not line_start or not text.startswith("  ", line_start):
        return None  # pydantic indents the message under its location
    above = text.rfind("\n", max(0, line_start - 1 - _LOCATION_REACH), line_start - 1) + 1
    location = text[above : line_start - 1]
    if not location or location[0] in " \t" or " " in location:
        return None
    last = location.rsplit(".", 1)[-1].strip("[]'\"")
    return classify_key(last) if last[:1].isalpha() or last[:1] == "_" else None


def _cut_mapping(text: str, start: int) -> Iterator[Hit]:
    """The value after a key pydantic cut to its last letters: ``...rd': 'x'}``."""
    line_end = text.find("\n", start, start + _LOCATION_REACH)
    cut = text.find(_CUT, start, line_end if line_end != -1 else start + _LOCATION_REACH)
    if cut == -1:
        return
    tail_start = cut + len(_CUT)
    close = tail_start
    while close - tail_start < _CUT_KEY_TAIL and (
        text[close : close + 1].isalnum() or text[close : close + 1] == "_"
    ):
        close += 1
    tail = text[tail_start:close].lower()
    if len(tail) < 2 or text[close : close + 3] not in ("': ", '": '):
        return
    if tail in _key_tails():
        yield from _quoted_value(text, close + 3, "secret")


_KEY_TAILS: set[str] = set()


def _key_tails() -> set[str]:
    """Every end (2+ letters) of a sensitive key's last word: ``rd`` of ``password``."""
    if not _KEY_TAILS:
        for ending in key_endings():
            if ending not in ("name", "id", "key"):  # too common to judge a cut key by
                _KEY_TAILS.update(ending[i:] for i in range(len(ending) - 1))
    return _KEY_TAILS


def _closed(text: str, pos: int) -> tuple[int, int] | None:
    """The span of the quoted string at ``pos``, if it is closed on its line: these
    messages quote what they echo, so a value that runs on is no candidate (and one
    long value per candidate would make crafted text slow to sweep)."""
    span = read_value(text, pos)
    if span is None or span[0] == pos or text[span[1] : span[1] + 1] != text[span[0] - 1]:
        return None
    return span


def _quoted_value(text: str, pos: int, kind: str) -> Iterator[Hit]:
    span = _closed(text, pos)
    if span is not None and span[1] > span[0]:
        yield span[0], span[1], kind, None, "", None


def _raw_values(text: str, scan: Scan) -> Iterator[Hit]:
    """configparser: ``option 'password' in section 'db' ... Raw value: 'x'``."""
    for pos in _after(scan, _RAW_VALUE):
        at = pos - len(_RAW_VALUE)
        option = text.rfind(_OPTION, max(0, at - _OPTION_REACH), at)
        if option != -1:
            name_start = option + len(_OPTION)
            name_end = text.find("'", name_start, at)
            kind = classify_key(text[name_start:name_end]) if name_end != -1 else None
            if kind is not None:
                yield from _quoted_value(text, pos, kind)
