"""Values given to sensitive keys, in any common syntax, found from their separator.

``password=x``, ``password: x``, ``"password": "x"``, ``PASSWORD = x`` (INI),
``'password' => 'x'``, ``--password=x``, ``\\"password\\": \\"x\\"`` (JSON in
a repr), ``User Id=x;`` (ODBC). Credentials and connection parts both read
this list, so it is computed once per text (``Scan.memo``).

Linear time: candidates are found in ``Scan.rcls`` (the reversed text) by a
pattern that starts with the literal ``=`` (``:`` is written ``=`` there) and
then reads a bounded key ending; each candidate's value is read forward by
``read_value`` (bounded), and values never overlap -- a candidate inside the
previous value is skipped -- so the whole pass reads each character a bounded
number of times.
"""

from __future__ import annotations

from crashreport.redact.patterns import lazy
from crashreport.redact.scan import Scan, trie
from crashreport.redact.syntax import (
    MAX_VALUE,
    RESOLVER_MESSAGES,
    RESOLVER_REACH,
    SECRET_KINDS,
    classify_key,
    key_endings,
    read_value,
    skip_value,
)

__all__ = ["assignments"]

# The key's last five letters are enough for the filter (``classify_key``
# judges the key): a shorter pattern compiles faster, in the process that
# just crashed, and lets through only a few more candidates. Endings of two
# words ("user id") stay whole: the pattern must read across their space.
_REVERSED_KEY = lazy(
    lambda: (
        r"=(?P<pre>[ \t]{0,4}+)(?P<q>\"\\{0,2}+)?(?P<key>"
        + trie(word[::-1] if " " in word else word[::-1][:5] for word in key_endings())
        + r"[\w.-]{0,64}+)"
    )
)
_IDENTIFIER = lazy(r"[A-Za-z_][A-Za-z0-9_]{0,64}")
_AUTH_SCHEME = lazy(
    r"(?i)(?:bearer|basic|token|digest|negotiate|ntlm|apikey|api-key|jwt|hmac|sso-key)[ \t]+"
)
_QUOTES = "'\"`"

Assignment = tuple[str, int, int]  # kind, value start, value end


def assignments(scan: Scan) -> list[Assignment]:
    """``(kind, start, end)`` of each value assigned to a sensitive key in the text."""
    cached = scan.memo.get("assignments")
    if cached is None:
        cached = scan.memo["assignments"] = _find(scan)
    return cached  # type: ignore[return-value]


def _find(scan: Scan) -> list[Assignment]:
    text = scan.text
    if "=" not in text and ":" not in text:
        return []
    n = len(text)
    cls = scan.cls
    found: list[Assignment] = []
    aliases: dict[str, str] = {}
    # A traceback prints the same pairs again and again in different lines
    # (``'host': 'h'`` in a dict, in kwargs, in a repr): a candidate whose
    # surroundings are the same as an earlier one's has the same result.
    seen: dict[tuple[str, int, int, int, str | None], _Result] = {}
    consumed = 0
    for m in reversed(scan.matches(_REVERSED_KEY, scan.rcls)):
        at = m.start()
        sep = n - 1 - at
        if sep < consumed:
            continue  # inside the previous value
        key_r_start, key_r_end = m.span(3)  # groups by number: 1 pre, 2 q, 3 key
        quote_r = m.start(2)
        pre = (quote_r if quote_r >= 0 else key_r_start) - at - 1
        quote = m.group(2)
        key_start, key_end = n - key_r_end, n - key_r_start
        base = key_start - _BEFORE
        window = text[base : sep + _AFTER] if base >= 0 else ""
        memo_key = (window, key_end - key_start, sep - key_start, pre, quote)
        known = seen.get(memo_key) if window else None
        if known is None:
            result, reach, alias = _one(text, cls, sep, key_start, key_end, pre, quote)
            if window and 0 <= reach < sep + _AFTER:  # it read nothing outside the window
                relative = tuple([(k, a - base, b - base) for k, a, b in result]) if result else ()
                seen[memo_key] = (relative, alias)
        else:
            relative, alias = known
            result = [(k, base + a, base + b) for k, a, b in relative] if relative else []
        if alias is not None:
            aliases.setdefault(*alias)
        if result:
            found += result
            consumed = result[-1][2]
    if aliases:
        found += _alias_values(text, aliases)
    return found


# What ``_one`` may read around a candidate for its result to be reused: from
# 3 characters before the key to this many after the separator.
_BEFORE = 3
_AFTER = 96
_NOWHERE = -1  # "it read beyond any window": the result is never reused
# (relative spans, (alias name, kind) or None)
_Result = tuple[tuple[tuple[str, int, int], ...], tuple[str, str] | None]


def _one(
    text: str,
    cls: str,
    sep: int,
    key_start: int,
    key_end: int,
    pre: int,
    quote: str | None,
) -> tuple[list[Assignment], int, tuple[str, str] | None]:
    """The value assigned at ``sep``, if its key is sensitive; how far it read
    (``_NOWHERE`` if it looked beyond the pair: a section above, a list); and
    the keyword argument it names, if any (``connect(password=pw)``)."""
    near = sep + 10  # what the checks before the value read at most
    separator = text[sep]
    following = text[sep + 1 : sep + 2]
    if separator == ":":
        if following == ":" or text[sep - 1 : sep] == ":":
            return [], near, None  # a C++/ClickHouse scope (DB::Exception), an IPv6 address
        if pre and not quote:
            return [], near, None  # prose: "bad auth : authentication failed"
    elif following == "=":
        return [], near, None  # a comparison
    if separator == ":" and text[key_start - 2 : key_start] == "//":
        return [], near, None  # a URL's user information (https://x-access-token:ghs_x@h)
    if key_start:
        before = text[key_start - 1]
        if before == "\\":
            if text[key_start] not in "nrt":
                return [], near, None  # glued to an escape that is not a line break
            key_start += 1  # "a\npassword=x" in a repr: the key starts after the escape
        elif before.isalnum() or before in "_.-":
            return [], near, None  # a key longer than any real one
    match_start = key_start
    while key_start < key_end and key_start - match_start < 2 and text[key_start] == "-":
        key_start += 1  # --password=x
    first = text[key_start : key_start + 1]
    if not (first.isalpha() or first == "_"):
        return [], near, None
    if quote:
        # the quote that closes the key must also open it
        if text[key_start - 1 : key_start] != text[key_end + len(quote) - 1]:
            return [], near, None
        match_start = key_start - 1
    key = text[key_start:key_end]
    if separator == ":" and "." in key and _exception_line(text, key, sep):
        return [], sep + _MESSAGE_LOOK, None  # "telegram.error.InvalidToken: Invalid token"
    kind = classify_key(key)
    reach = near
    check = ""  # what the value must be too, for a key that alone names no kind
    if kind is None:
        if key == "key" or key == "KEY" or key == "Key":
            # a bare ``key`` is a cache key or a dict key as often as a signing
            # key (Django's SECRET_KEY in signing.loads): only a random value goes
            kind, check = "secret", "random"
        elif key[-4:] in ("name", "Name", "NAME") and key.lower() in _PERSON_KEYS:
            kind, check, reach = "user", "person", _NOWHERE
        elif key != "name" and key != "NAME" and key != "Name":
            return [], near, None
        elif _database_section(cls, match_start):
            kind = "database"
            reach = _NOWHERE  # it depended on the lines above
        elif not _address_on_line(text, sep):
            return [], _NOWHERE, None
        else:  # {'email': ..., 'name': 'Chidi Okonkwo'}: a person, beside an address
            kind, check, reach = "user", "people", _NOWHERE
    pos = sep + 1
    if following == ">" and separator == "=":
        pos += 1  # =>
    limit = pos + 8
    while pos < limit and text[pos : pos + 1] in (" ", "\t"):
        pos += 1
    opening = text[pos : pos + 1]
    if opening == "[" or opening == "(":  # {'password': ['x']} from parse_qs, ('u', 'pw')
        items = _list_items(text, pos + 1)
        kinds = [kind] * len(items)
        if len(items) == 2 and kind in SECRET_KINDS and _LOGIN_PAIR_KEYS.search(key):
            kinds[0] = "user"  # auth=('neo4j', 'pw'), http_auth=(user, password)
        return (
            [
                (k, a, b)
                for k, (a, b) in zip(kinds, items, strict=True)
                if not skip_value(text[a:b])
            ],
            _NOWHERE,
            None,
        )
    if opening == "\\" and text[pos + 1 : pos + 2] in ('"', "'"):
        # JSON inside a repr: {\"password\": \"x\"} -- the value ends at the escaped quote
        close = text.find("\\" + text[pos + 1], pos + 2, pos + 2 + MAX_VALUE)
        span = (pos + 2, close) if close > pos + 2 else None
        reach = _NOWHERE
    else:
        to_line_end = (
            separator == ":"
            and not quote
            and kind in SECRET_KINDS
            and _at_line_start(text, match_start)
        )
        span = read_value(text, pos, to_line_end=to_line_end)
        if to_line_end or opening == "{":
            reach = _NOWHERE  # it depended on the line's start, or read up to 256 ahead
    if span is None:
        return [], _NOWHERE, None  # (an unquoted value may have been read, then dropped)
    quoted = span[0] > pos
    value = text[span[0] : span[1]]
    if reach != _NOWHERE:
        # the value's end and what stopped it -- unless sentence punctuation was
        # cut from an unquoted value: then the value was read further
        reach = _NOWHERE if text[span[1] : span[1] + 1] in (".", ":") else span[1] + _LOOK
    # ``name = value`` is code, unless it is a line of an INI file (unindented,
    # or after a ``\n`` escape in the repr of one), or no code at all
    if (
        pre
        and separator == "="
        and not quoted
        and _CODE_LIKE.fullmatch(value)
        and text[match_start - 2 : match_start] != "\\n"
        and not (match_start and text[match_start - 1] == "\n")
    ):
        return [], reach, None  # source code: ``password = get_password()``
    if kind in SECRET_KINDS and value[:1] in _SCHEME_INITIALS:
        scheme = _AUTH_SCHEME.match(value)
        if scheme:  # keep "Bearer", remove what follows
            span = (span[0] + scheme.end(), span[1])
            value = value[scheme.end() :]
        elif not quoted and value.lower() in _SCHEME_WORDS and text[span[1] : span[1] + 1] == " ":
            # Authorization: Bearer x (unquoted): the scheme stays, the credential goes
            after_scheme = read_value(text, span[1] + 1)
            if after_scheme is None:
                return [], _NOWHERE, None
            span = after_scheme
            value = text[span[0] : span[1]]
            reach = _NOWHERE
    after = text[span[1] : span[1] + 1]
    if kind == "host" and not quoted:
        if reach != _NOWHERE:  # the check below reads the sentence that may follow
            reach = max(reach, span[0] + RESOLVER_REACH)
        if text.startswith(RESOLVER_MESSAGES, span[0]):
            return [], reach, None  # "to address: Name or service not known"
        if value.lower() in _FUNCTION_WORDS:
            return [], reach, None  # prose: "requested Host: and Accept-Encoding"
    if skip_value(value, after):
        return [], reach, None
    if (
        separator == ":"
        and kind in SECRET_KINDS
        and not quoted
        and value in _SENTENCE_STARTS
        and after == " "
        and text[span[1] + 1 : span[1] + 2].islower()
    ):
        return [], reach, None  # a sentence after an error code: "expired_token: The token is"
    if check == "random" and not _random_key(value):
        return [], reach, None
    if kind == "database" and _DEFAULT_NAME.fullmatch(value):
        return [], reach, None  # asyncio's and threading's own names: name='Task-1'
    if separator == ":" and after == ">" and "." in key and text[key_start - 1 : key_start] == "<":
        return [], reach, None  # an enum member's repr: <_TYPE_DEFAULT.token: -1>
    if kind == "user" and _UUID.fullmatch(value):
        return [], reach, None  # uid: 6f1c3a2e-...: an object's id, no one's name
    if kind in SECRET_KINDS and _WORDS.fullmatch(value) and _KEY_WORDS & set(value.split("-")):
        return [], reach, None  # "token": "set-password": the name of an action, no value
    if check and check != "random" and not _person(text, sep, value, several=check == "people"):
        return [], reach, None
    if not quoted and (after == "," or after == ")") and _IDENTIFIER.fullmatch(value):
        # a keyword argument in code: connect(password=pw) -- pw holds a password
        if classify_key(value) == kind:
            return [], reach, (value, kind)  # connect(password=db_password): a variable's name
        return [(kind, span[0], span[1])], reach, (value, kind)
    return [(kind, span[0], span[1])], reach, None


_DEFAULT_NAME = lazy(r"(?:Task|Thread|Process|ThreadPoolExecutor)-\d{1,9}(?:_\d{1,9})?")
_UUID = lazy(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_WORDS = lazy(r"[a-z]{2,12}(?:-[a-z]{2,12}){1,3}")
_KEY_WORDS = frozenset("password passwd token secret key auth login credentials".split())
# Keys whose 2-tuple is a login: (user, password).
_LOGIN_PAIR_KEYS = lazy(r"(?i)(?:auth|credentials?|creds|login)\Z")
# Keys that hold a person's name when an e-mail address is beside them.
_PERSON_KEYS = frozenset(
    """full_name fullname display_name displayname first_name firstname last_name lastname
    given_name family_name author_name committer_name real_name realname contact_name""".split()
)
_PERSON_WORD = lazy(r"[A-Z][a-z]{1,30}+(?:['-][A-Za-z][a-z]{0,30}+)?")
_LINE_REACH = 2048  # how far along its line a name looks for an address


def _person(text: str, sep: int, value: str, *, several: bool) -> bool:
    """Whether ``value`` is a person's name (capitalised words; two at least for a
    bare ``name``) on a line that also holds an e-mail address."""
    words = value.split(" ")
    if not 1 + several <= len(words) <= 4 or not all(_PERSON_WORD.fullmatch(w) for w in words):
        return False
    return _address_on_line(text, sep)


def _address_on_line(text: str, sep: int) -> bool:
    """Whether the line holding ``sep`` also holds an e-mail address (an ``@`` and a
    dot after it), at most ``_LINE_REACH`` either side."""
    start = text.rfind("\n", max(0, sep - _LINE_REACH), sep) + 1
    end = text.find("\n", sep, sep + _LINE_REACH)
    at = text.find("@", start, end if end != -1 else sep + _LINE_REACH)
    return at > start and text.find(".", at, at + 256) != -1


# How an error's description starts after its code ("invalid_token: The token ...").
_SENTENCE_STARTS = frozenset("The A An This That These Those It Its Your Our Their No Not".split())
# Words no host is named, that prose puts after "host:" or "server:".
_FUNCTION_WORDS = frozenset(
    "and or the a an to of in on at is are was not no none for with".split()
)


def _random_key(value: str) -> bool:
    """Whether a bare ``key``'s value is key material: long, no spaces, random."""
    from crashreport.redact.credentials import looks_random  # it imports this module

    return len(value) >= 16 and " " not in value and looks_random(value)


def _exception_line(text: str, key: str, sep: int) -> bool:
    """Whether ``module.ClassName: a message`` is the last line of a traceback (a
    class name after the dots, then words), not a dotted key with its value
    (``spring.datasource.password: x``, ``auth.Password: x``)."""
    name = key.rsplit(".", 1)[1]
    if not name[:1].isupper() or name.isupper():
        return False
    message = text[sep + 2 : sep + _MESSAGE_LOOK]
    return " " in message.split("\n", 1)[0]


_MESSAGE_LOOK = 42  # within the window ``assignments`` reuses results for

# how far past a value's end ``read_value`` and the checks after it look
_LOOK = 2


_SCHEME_INITIALS = frozenset("bBtTdDnNaAjJhHsS")
_SCHEME_WORDS = frozenset("bearer basic token digest negotiate ntlm apikey jwt hmac".split())
# what ``name = value`` in source code has on the right when it is no literal:
# a name or a dotted name (``password = get_password()`` is caught by the call;
# ``port = 5432`` is a literal, so it is a value)
_CODE_LIKE = lazy(r"[A-Za-z_][A-Za-z0-9_.]{0,128}")


def _alias_values(text: str, aliases: dict[str, str]) -> list[Assignment]:
    """Values of local variables passed as sensitive keyword arguments.

    ``connect(user=u, password=p)`` in a frame's source, and the frame's
    locals as the traceback prints them (``    p = 'x'``): ``p`` holds a
    password. One ``str.find`` per alias and occurrence (linear).
    """
    found: list[Assignment] = []
    for name, kind in aliases.items():
        needle = f"\n    {name} = "
        at = text.find(needle)
        while at != -1:
            pos = at + len(needle)
            span = read_value(text, pos)
            if span is not None:
                value = text[span[0] : span[1]]
                if not skip_value(value) and not (span[0] == pos and not value.isdigit()):
                    found.append((kind, span[0], span[1]))  # quoted (a repr) or a number
            at = text.find(needle, pos)
    return found


def _at_line_start(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0 and pos - i < 64 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] == "\n"


def _database_section(cls: str, pos: int) -> bool:
    """Whether ``name`` at ``pos`` sits under a database section (300 characters back):
    ``[database]``, ``database:`` (YAML), ``'ENGINE': ...`` (Django settings).

    Read in ``cls`` (quotes as ``"``, ``:`` as ``=``), by a few bounded ``rfind``.
    """
    start = max(0, pos - 300)
    if any(cls.rfind(marker, start, pos) != -1 for marker in _SECTION_MARKERS):
        return True
    # Django prints a settings dict in its own order: 'NAME' first, 'ENGINE' later
    return cls.find('"engine"=', pos, pos + 600) != -1


_SECTION_MARKERS = (
    "database=",
    'database"=',
    "db=",
    'db"=',
    "databases =",
    'databases"=',
    "[database]",
    "[db]",
    "engine=",
    'engine"=',
)


def _list_items(text: str, pos: int) -> list[tuple[int, int]]:
    """Spans of the quoted strings of a short list or tuple starting at ``pos``."""
    items = []
    for _ in range(16):
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos >= len(text) or text[pos] not in _QUOTES:
            break
        span = read_value(text, pos)
        if span is None:
            break
        items.append(span)
        pos = span[1] + 1
        if text[pos : pos + 1] != ",":
            break
        pos += 1
    return items
