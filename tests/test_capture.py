"""capture as a bare function: live exceptions in, ``Report``s out -- chains, groups,
notes, syntax errors, recursion, columns, locals, environment and bounds."""

from __future__ import annotations

import json
import os
import platform
import socket
import sys
import time
from typing import Any, NoReturn

import pytest

from crashreport.capture import Limits, capture, exception_info, text_report
from crashreport.capture.bounds import payload_size
from crashreport.config import Config
from crashreport.report import ExceptionInfo, Report


def caught(func: Any, *args: Any) -> BaseException:
    """The exception ``func(*args)`` raises (with its traceback)."""
    try:
        func(*args)
    except BaseException as exc:  # any shape is what we test
        return exc
    raise AssertionError("did not raise")


def report_of(exc: BaseException, **kwargs: Any) -> Report:
    return capture(exc, product="test-app", version="1.0", mechanism="test", **kwargs)


# ---------------------------------------------------------------- chains and groups


def raise_from() -> NoReturn:
    try:
        {}["key"]
    except KeyError as exc:
        raise RuntimeError("outer") from exc


def raise_during() -> NoReturn:
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        raise ValueError("during")  # noqa: B904 - the implicit context is the point


def raise_suppressed() -> NoReturn:
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        raise ValueError("suppressed") from None


def test_explicit_cause_is_kept_with_its_link() -> None:
    """``raise ... from`` keeps the cause, linked as "cause", with its own frames."""
    info = exception_info(caught(raise_from))
    assert (info.type, info.message, info.link) == ("RuntimeError", "outer", "cause")
    assert info.cause is not None
    assert (info.cause.type, info.cause.message) == ("KeyError", "'key'")
    assert info.cause.frames[-1].function == "raise_from"


def test_implicit_context_is_kept_and_suppression_honoured() -> None:
    """An exception raised while handling another keeps it as "context";
    ``from None`` drops it, exactly as Python's traceback does."""
    during = exception_info(caught(raise_during))
    assert during.link == "context"
    assert during.cause is not None
    assert during.cause.type == "ZeroDivisionError"
    suppressed = exception_info(caught(raise_suppressed))
    assert suppressed.cause is None
    assert suppressed.link is None


def test_a_cycle_of_contexts_ends_the_chain() -> None:
    """Two exceptions that are each other's context are described once each."""
    a, b = ValueError("a"), TypeError("b")
    a.__context__, b.__context__ = b, a
    info = exception_info(a)
    assert info.cause is not None
    assert info.cause.type == "TypeError"
    assert info.cause.cause is None


def nested_group() -> NoReturn:
    inner = ExceptionGroup("inner", [TypeError("t1"), OSError("o1")])
    raise ExceptionGroup("outer", [ValueError("v1"), inner])


def test_nested_exception_groups_keep_their_tree() -> None:
    """Members of groups inside groups are kept, in order, with their types."""
    info = exception_info(caught(nested_group))
    assert info.type == "ExceptionGroup"
    assert info.message == "outer (2 sub-exceptions)"
    assert [m.type for m in info.exceptions] == ["ValueError", "ExceptionGroup"]
    assert [m.message for m in info.exceptions[1].exceptions] == ["t1", "o1"]


def test_the_exception_budget_cuts_groups_and_chains_and_counts_the_cut() -> None:
    """With a budget of 5 exceptions, a 100-member group keeps 4 members and
    says 96 were omitted; a long chain says how many links were cut."""
    group = ExceptionGroup("many", [ValueError(str(i)) for i in range(100)])
    info = exception_info(group, limits=Limits(exceptions=5))
    assert len(info.exceptions) == 4
    assert info.omitted_exceptions == 96

    exc: BaseException | None = None
    for i in range(30):
        new = ValueError(f"link {i}")
        new.__cause__ = exc
        exc = new
    assert exc is not None
    chain = exception_info(exc, limits=Limits(exceptions=5))
    depth, node = 0, chain
    while node.cause is not None:
        depth, node = depth + 1, node.cause
    assert depth == 4
    assert node.omitted_exceptions == 25


def test_notes_are_kept_and_hostile_notes_yield_placeholders() -> None:
    """``__notes__`` are kept in order; a note whose ``__str__`` raises becomes a
    placeholder; a non-sequence ``__notes__`` is shown, not crashed on."""

    class BadNote:
        def __str__(self) -> str:
            raise RuntimeError("no")

    exc = ValueError("x")
    exc.add_note("first")
    exc.__notes__.append(BadNote())  # type: ignore[arg-type]
    info = exception_info(exc)
    assert info.notes[0] == "first"
    assert info.notes[1].startswith("<note str() failed")

    odd = ValueError("y")
    odd.__notes__ = 42  # type: ignore[assignment]
    assert exception_info(odd).notes == ("<__notes__ is not a sequence: 42>",)


def test_syntax_error_details_are_kept() -> None:
    """A SyntaxError keeps file, line, the offending text and its columns
    (relative to the stripped text), and the message Python shows."""
    path = os.path.join(os.getcwd(), "generated.py")
    exc = caught(compile, "x = 1\n    y = (1 +\n", path, "exec")
    info = exception_info(exc)
    assert info.type == "IndentationError"
    assert info.syntax is not None
    assert info.syntax.line == 2
    assert info.syntax.file == "generated.py" or info.syntax.file.endswith("generated.py")

    exc = caught(compile, "value = (1, 2 3)\n", path, "exec")
    info = exception_info(exc)
    assert info.message == "invalid syntax. Perhaps you forgot a comma?"
    assert info.syntax is not None
    assert info.syntax.text == "value = (1, 2 3)"
    assert info.syntax.column == 12
    assert info.syntax.end_column == 15


# ---------------------------------------------------------------- frames


def recurse(n: int) -> int:
    return recurse(n + 1)


def ping(n: int) -> int:
    return pong(n + 1)


def pong(n: int) -> int:
    return ping(n + 1)


def test_recursion_is_collapsed_into_one_frame_marked_repeated() -> None:
    """A RecursionError's thousand identical frames become one, marked with the
    number of further repeats; nothing is omitted."""
    info = exception_info(caught(recurse, 0))
    assert info.type == "RecursionError"
    repeated = [f for f in info.frames if f.repeated]
    assert len(repeated) == 1
    assert repeated[0].function == "recurse"
    assert repeated[0].repeated_span == 1
    assert repeated[0].repeated > 500
    assert len(info.frames) < 10
    assert info.omitted_frames == 0


def test_mutual_recursion_is_collapsed_by_its_cycle() -> None:
    """``ping -> pong -> ping ...`` collapses to one ping/pong pair, marked with span 2."""
    info = exception_info(caught(ping, 0))
    repeated = [f for f in info.frames if f.repeated]
    assert len(repeated) == 1
    assert repeated[0].repeated_span == 2
    assert repeated[0].repeated > 200
    assert len(info.frames) < 12


def distinct_chain(depth: int, body: str = "") -> Any:
    """``f0`` calls ``f1`` ... calls ``f{depth}``, which raises: no frame repeats."""
    source = "".join(f"def f{i}(blob):\n{body}    return f{i + 1}(blob)\n" for i in range(depth))
    source += f"def f{depth}(blob):\n{body}    raise ValueError('bottom')\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, "generated_chain.py", "exec"), namespace)
    return namespace["f0"]


def test_a_deep_stack_keeps_both_ends_and_counts_the_middle() -> None:
    """Past ``Limits.frames`` the outermost and innermost frames are kept and the
    number of omitted ones is recorded."""
    info = exception_info(caught(distinct_chain(300), ""), limits=Limits(frames=20))
    assert len(info.frames) == 20
    assert info.omitted_frames == 302 - 20
    assert info.frames[0].function == "caught"
    assert info.frames[1].function == "f0"
    assert info.frames[-1].function == "f300"


class Custom(Exception):
    """An exception type of this module."""


class Service:
    def method(self) -> None:
        raise OSError("in a method")


def test_frames_carry_qualified_names_source_and_columns() -> None:
    """A frame has the qualified function name, its stripped source line and the
    column range of the failing expression (characters into the stripped line)."""
    info = exception_info(caught(lambda: Service().method()))
    frame = info.frames[-1]
    assert frame.function == "Service.method"
    assert frame.source == 'raise OSError("in a method")'
    caller = info.frames[-2]
    assert caller.source == "info = exception_info(caught(lambda: Service().method()))"
    assert caller.source[caller.column : caller.end_column] == "Service().method()"
    assert caller.end_line == caller.line


def test_columns_count_characters_not_bytes() -> None:
    """Python's positions are UTF-8 byte offsets; a report's are characters."""
    info = exception_info(caught(lambda: {"ü" * 3: 1}["ä"]))
    frame = info.frames[-1]
    assert frame.source[frame.column : frame.end_column] == '{"ü" * 3: 1}["ä"]'


def test_type_names_are_module_qualified_except_builtins() -> None:
    """Builtins stay bare, other types carry their module."""
    assert exception_info(ValueError()).type == "ValueError"
    assert exception_info(json.JSONDecodeError("m", "d", 0)).type == "json.decoder.JSONDecodeError"
    assert exception_info(Custom()).type.endswith("test_capture.Custom")


# ---------------------------------------------------------------- hostile messages


def test_a_broken_str_yields_a_placeholder() -> None:
    """An exception whose ``__str__`` raises (or returns no str) is still described."""

    class Broken(Exception):
        def __str__(self) -> str:
            raise RuntimeError("exploded")

    class NotStr(Exception):
        def __str__(self) -> Any:
            return 42

    assert exception_info(Broken()).message.startswith("<exception str() failed")
    assert exception_info(NotStr()).message.startswith("<exception str() failed")


def test_a_str_that_never_returns_is_stopped() -> None:
    """An exception whose ``__str__`` loops forever costs at most the time limit."""

    class Forever(Exception):
        def __str__(self) -> str:
            while True:
                pass

    started = time.monotonic()
    info = exception_info(Forever(), limits=Limits(repr_seconds=0.2))
    assert time.monotonic() - started < 10
    assert info.message == "<not captured: took too long>"


def test_messages_are_clipped_and_say_so() -> None:
    """A huge message is cut to ``Limits.text`` and says how much was cut."""
    info = exception_info(ValueError("m" * 50_000), limits=Limits(text=100))
    assert info.message == "m" * 100 + "... [49900 characters cut]"


# ---------------------------------------------------------------- locals


class Hostile:
    def __repr__(self) -> str:
        raise ValueError("no repr")


class Slow:
    def __repr__(self) -> str:
        while True:
            pass


class Recursive:
    def __repr__(self) -> str:
        return repr(self)


def with_locals() -> NoReturn:
    password = "planted-password-value"  # noqa: F841
    db_password = "planted-db-password"  # noqa: F841
    api_token = "planted-token"  # noqa: F841
    settings = {"password": "planted-dict-password", "retries": 3}  # noqa: F841
    hostile, slow, recursive = Hostile(), Slow(), Recursive()  # noqa: F841
    big_text = "x" * 5_000_000  # noqa: F841
    big_list = list(range(1_000_000))  # noqa: F841
    big_int = 7**100_000  # noqa: F841
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    count = 3  # noqa: F841
    raise LookupError("hostile locals")


def test_locals_are_off_by_default() -> None:
    """Without capture_locals no frame carries a single local."""
    info = exception_info(caught(with_locals))
    assert all(frame.locals == () for frame in info.frames)
    assert not report_of(caught(with_locals)).exception.frames[-1].locals


def test_locals_are_repred_safely_bounded_and_sensitive_names_never_read() -> None:
    """With capture_locals: sensitive names are replaced unread (also as dict
    keys), hostile, slow and recursive reprs become placeholders, huge values
    are cut, cycles are shown as Python shows them."""
    started = time.monotonic()
    info = exception_info(caught(with_locals), capture_locals=True, limits=Limits(repr_seconds=0.2))
    assert time.monotonic() - started < 20
    values = dict(info.frames[-1].locals)
    assert values["password"] == "<password>"
    assert values["db_password"] == "<password>"
    assert values["api_token"] == "<token>"
    assert values["settings"] == "{'password': <password>, 'retries': 3}"
    assert values["hostile"] == "<repr() failed: ValueError>"
    assert values["slow"] == "<not captured: took too long>"
    assert values["recursive"] == "<repr() failed: recursion>"
    assert values["count"] == "3"
    assert values["cyclic"] == "[[...]]"
    assert values["big_int"].startswith("<int of ")
    assert len(values["big_text"]) < 600
    assert values["big_text"].endswith("[cut at 500 characters]")
    assert values["big_list"].endswith(", ... 999970 more]")
    text = json.dumps(info.frames[-1].locals)
    assert "planted" not in text


def test_locals_per_frame_are_bounded_and_the_rest_counted() -> None:
    """A frame with more locals than the bound keeps the first ones and says how many not."""
    namespace: dict[str, Any] = {}
    exec(  # a function with 80 locals
        "def many():\n"
        + "".join(f"    v{i} = {i}\n" for i in range(80))
        + "    raise ValueError('many')\n",
        namespace,
    )
    info = exception_info(
        caught(namespace["many"]), capture_locals=True, limits=Limits(locals_per_frame=10)
    )
    names = [name for name, _ in info.frames[-1].locals]
    assert names[:10] == [f"v{i}" for i in range(10)]
    assert info.frames[-1].locals[-1] == ("...", "70 more local variables not captured")


def test_module_frames_leave_out_modules_functions_and_dunders() -> None:
    """A module-level frame's locals (its globals) skip ``__builtins__``, imported
    modules, functions and classes; plain values stay."""
    namespace: dict[str, Any] = {"__name__": "fake_module"}
    code = compile(
        "import os\ndef f(): pass\nclass C: pass\nanswer = 42\nraise ValueError('m')\n",
        "fake_module.py",
        "exec",
    )
    exc = caught(exec, code, namespace)
    info = exception_info(exc, capture_locals=True)
    module_frame = info.frames[-1]
    assert module_frame.function == "<module>"
    assert dict(module_frame.locals) == {"answer": "42"}


# ---------------------------------------------------------------- paths


def test_paths_are_relative_to_the_project_packages_and_home(tmp_path: Any) -> None:
    """Project files from the project root, library files from the package name,
    other home files as ``~``; no absolute path of this machine stays."""
    from crashreport.capture.paths import PathStyle

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    info = exception_info(caught(json.loads, "{"), paths=PathStyle(root=root))
    files = [frame.file for frame in info.frames]
    assert files[0] == "tests/test_capture.py"
    assert files[-1] == "json/decoder.py"
    home = os.path.expanduser("~")
    for file in files:
        assert not file.startswith("/"), file
        assert home not in file

    style = PathStyle(root=str(tmp_path / "proj"), home=str(tmp_path))
    assert style(str(tmp_path / "proj" / "src" / "app.py")) == "src/app.py"
    assert style(str(tmp_path / "notes" / "x.py")) == "~/notes/x.py"
    assert style("<frozen importlib._bootstrap>") == "<frozen importlib._bootstrap>"
    site = next(p for p in sys.path if p.endswith("site-packages"))
    assert style(os.path.join(site, "httpx", "_client.py")) == "httpx/_client.py"


# ---------------------------------------------------------------- environment


def test_the_environment_names_no_machine_and_no_person() -> None:
    """os, arch and Python are there; the host name, the user, argv and the
    environment are not (unless opted in)."""
    report = report_of(ValueError("x"))
    env = report.environment
    assert env.os == platform.system()
    assert env.python_version == platform.python_version()
    assert env.argv == ()
    assert env.variables == ()
    assert env.packages == ()
    text = json.dumps(report.to_dict())
    assert socket.gethostname() not in text
    for name in ("USER", "LOGNAME"):
        if os.environ.get(name):
            assert f'"{os.environ[name]}"' not in text


def test_the_platform_facts_are_those_the_platform_module_reads() -> None:
    """os, arch, implementation and version (read without importing ``platform``)
    are exactly what ``platform`` says."""
    env = report_of(ValueError("x")).environment
    assert env.os == platform.system()
    assert env.arch == platform.machine()
    assert env.python_implementation == platform.python_implementation()
    assert env.python_version == platform.python_version()


def test_report_ids_are_random_uuid4s_and_times_rfc3339_utc() -> None:
    """Each report gets a fresh version-4 UUID (the form ``str(uuid.uuid4())``
    has) and the time it was made, in RFC 3339, UTC, to the second."""
    import datetime
    import uuid

    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    reports = [report_of(ValueError("x")) for _ in range(50)]
    after = datetime.datetime.now(datetime.UTC)
    ids = [report.id for report in reports]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
    for report in reports:
        assert report.time.endswith("+00:00")
        assert len(report.time) == len("2026-01-01T00:00:00+00:00")
        assert before <= datetime.datetime.fromisoformat(report.time) <= after


def test_opted_in_argv_variables_and_packages_are_included(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``include_argv``, ``include_environment`` and ``packages`` add what they name;
    a variable with a sensitive name is replaced unread; a missing package says so."""
    monkeypatch.setattr(sys, "argv", ["/somewhere/tool.py", "--flag", "value"])
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("DB_PASSWORD", "planted-env-password")
    options = Config(
        include_argv=True,
        include_environment=("LANG", "DB_PASSWORD", "NOT_SET_ANYWHERE"),
        packages=("attrs", "no-such-distribution"),
    )
    env = report_of(ValueError("x"), options=options).environment
    assert env.argv[1:] == ("--flag", "value")
    assert dict(env.variables) == {
        "LANG": "C.UTF-8",
        "DB_PASSWORD": "<password>",
        "NOT_SET_ANYWHERE": "<not set>",
    }
    versions = dict(env.packages)
    assert versions["no-such-distribution"] == "not installed"
    assert versions["attrs"][0].isdigit()


# ---------------------------------------------------------------- bounds


def test_a_100kb_local_in_every_frame_of_a_deep_stack_stays_under_the_size_bound() -> None:
    """The payload of a 400-deep stack of distinct frames holding a 100 KB local in
    every frame, with locals on, is at most 1 MB -- and with a small bound it is
    cut, and says what was cut."""
    body = "".join(f"    local_{i} = blob + '{i}'\n" for i in range(20))
    exc = caught(distinct_chain(400, body), "y" * 100_000)
    report = report_of(exc, capture_locals=True)
    assert payload_size(report) <= 1_000_000
    assert any(frame.locals for frame in report.exception.frames)
    small = report_of(exc, capture_locals=True, options=Config(max_report_size=20_000))
    assert payload_size(small) <= 20_000
    assert small.truncated
    assert "was cut to fit 20000 bytes" in small.truncated[0]
    assert "local variables" in small.truncated[0]


def test_the_worst_report_the_limits_allow_still_fits_1mb() -> None:
    """A group of 49 members, each 8 KB of message over 150 distinct frames with
    20 locals of 100 KB each -- hundreds of MB unbounded -- becomes a payload of
    at most 1 MB, quickly."""
    body = "".join(f"    local_{i} = blob\n" for i in range(20))
    chain = distinct_chain(150, body)
    members = []
    for i in range(49):
        exc = caught(chain, f"{i}" + "q" * 100_000)
        exc.args = (f"member {i} " + "m" * 8_000,)
        members.append(exc)
    group = ExceptionGroup("everything at once", members)
    started = time.monotonic()
    report = report_of(group, capture_locals=True)
    elapsed = time.monotonic() - started
    assert payload_size(report) <= 1_000_000
    assert report.truncated
    assert elapsed < 30


def test_even_a_hostile_tree_fits_the_smallest_bound() -> None:
    """50 chained exceptions of huge messages and many frames fit 16 KB once cut."""
    exc: BaseException | None = None
    for i in range(60):
        new = ValueError(f"{i}" + "w" * 8_000)
        new.__context__ = exc
        exc = new
    assert exc is not None
    report = report_of(exc, options=Config(max_report_size=16_384))
    assert payload_size(report) <= 16_384
    assert report.truncated


def test_text_reports_keep_the_pasted_text() -> None:
    """A pasted traceback becomes a report whose message is the text itself."""
    report = text_report("Traceback ...\nValueError: x\n", product="p", version="1")
    assert report.exception == ExceptionInfo(type="text", message="Traceback ...\nValueError: x")
    assert report.mechanism == "preview"


def test_the_size_estimate_is_the_payload_size_exactly() -> None:
    """payload_size (compact C encoding plus indentation) equals the length of the
    bytes Payload.from_data makes, for nested, empty and non-ASCII content."""
    from crashreport.payload import Payload

    group = ExceptionGroup("ümlaut ✓", [ValueError("a"), KeyError("b")])
    group.__context__ = OSError("ctx")
    for exc in (ValueError(""), caught(raise_from), group, caught(recurse, 0)):
        report = report_of(exc, capture_locals=True)
        assert payload_size(report) == len(Payload.from_data(report.to_dict()).body)


def test_lone_surrogates_are_escaped_so_the_report_can_be_sent() -> None:
    """A message (or path, or variable) holding a lone surrogate is written as an
    escape, so the payload can be encoded."""
    from crashreport.payload import Payload

    report = report_of(ValueError("bad \udc80 byte"))
    assert report.exception.message == "bad \\udc80 byte"
    assert Payload.from_data(report.to_dict()).body
