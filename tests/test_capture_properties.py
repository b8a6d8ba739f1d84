"""Hypothesis builds exception shapes -- chains, contexts, suppressed contexts,
nested groups, cycles, notes, hostile ``__str__`` and ``__repr__`` -- and
capture never raises, stays within its bounds, and its report survives JSON,
reading back and rendering."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crashreport.capture import Limits, capture
from crashreport.capture.bounds import payload_size
from crashreport.config import Config
from crashreport.redact import RedactedReport, Redactions
from crashreport.render import render_report
from crashreport.report import ExceptionInfo, Report


class HostileStr(Exception):
    """An exception whose ``__str__`` misbehaves in a way drawn by hypothesis."""

    behaviour = "raise"

    def __str__(self) -> str:
        if self.behaviour == "raise":
            raise RuntimeError("str failed")
        if self.behaviour == "not-str":
            return 42  # type: ignore[return-value]
        if self.behaviour == "huge":
            return "h" * 100_000
        return super().__str__()


class HostileRepr:
    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour

    def __repr__(self) -> str:
        if self.behaviour == "raise":
            raise ValueError("repr failed")
        if self.behaviour == "recurse":
            return repr(self)
        if self.behaviour == "not-str":
            return None  # type: ignore[return-value]
        return "r" * 50_000


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=()), max_size=200)
odd_texts = st.one_of(texts, st.just("\x00\ud800 lone surrogate"), st.just("x" * 20_000))


@st.composite
def leaf(draw: Any) -> BaseException:
    """One raised exception (so it has a traceback), of a drawn type and message."""
    kind = draw(st.sampled_from(["value", "key", "os", "hostile-str", "syntax", "custom"]))
    message = draw(odd_texts)
    if kind == "hostile-str":
        exc: BaseException = HostileStr(message)
        exc.behaviour = draw(st.sampled_from(["raise", "not-str", "huge", "fine"]))  # type: ignore[attr-defined]
    elif kind == "syntax":
        exc = SyntaxError(
            message, ("f.py", draw(st.integers(-5, 5)), draw(st.integers(-5, 50)), message)
        )
    else:
        exc = {
            "value": ValueError,
            "key": KeyError,
            "os": OSError,
            "custom": type("Custom", (Exception,), {}),
        }[kind](message)
    for note in draw(
        st.lists(st.one_of(texts, st.builds(HostileRepr, st.just("raise"))), max_size=3)
    ):
        exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined]
    behaviour = draw(st.sampled_from(["raise", "recurse", "not-str", "huge"]))
    local = HostileRepr(behaviour)  # noqa: F841 - in the frame's locals, for capture to meet
    try:
        raise exc
    except BaseException as raised:
        return raised


def link(draw: Any, children: st.SearchStrategy[BaseException]) -> BaseException:
    exc = draw(children)
    other = draw(children)
    how = draw(st.sampled_from(["cause", "context", "suppressed", "cycle"]))
    if other is exc:
        return exc
    if how == "cause":
        exc.__cause__ = other
    elif how == "context":
        exc.__context__ = other
    elif how == "suppressed":
        exc.__context__ = other
        exc.__suppress_context__ = True
    else:
        exc.__context__ = other
        other.__context__ = exc
    return exc


shapes = st.recursive(
    leaf(),
    lambda children: st.one_of(
        st.composite(lambda draw: link(draw, children))(),
        st.lists(children, min_size=1, max_size=6).map(
            lambda members: ExceptionGroup(
                "group", [m for m in members if isinstance(m, Exception)] or [ValueError("v")]
            )
        ),
    ),
    max_leaves=25,
)


def walk(info: ExceptionInfo) -> list[ExceptionInfo]:
    found = [info]
    if info.cause is not None:
        found += walk(info.cause)
    for member in info.exceptions:
        found += walk(member)
    return found


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=shapes, capture_locals=st.booleans())
def test_capture_never_raises_and_stays_bounded(shape: BaseException, capture_locals: bool) -> None:
    """Whatever the shape: a report comes back, within the exception budget, the
    text bound and the size bound, and it reads back and renders."""
    limits = Limits(exceptions=20, text=1_000, repr_seconds=0.05, max_report_size=200_000)
    report = capture(
        shape,
        product="p",
        version="1",
        mechanism="test",
        capture_locals=capture_locals,
        options=Config(max_report_size=200_000),
        limits=limits,
    )
    described = walk(report.exception)
    assert len(described) <= 20
    for info in described:
        assert len(info.message) <= 1_000 + 40
        assert all(isinstance(note, str) for note in info.notes)
    assert payload_size(report) <= 200_000
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert Report.from_dict(data) == report
    assert render_report(RedactedReport(report, Redactions()))


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**3990, max_value=2**4100),  # around the "int of N bits" limit
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.text(max_size=40).map(lambda t: t + "'"),  # quotes change how repr quotes
    st.sampled_from(["password", "db_host", "retries", "api_token", "user"]),  # dict keys too
)
containers = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=35),
        st.lists(inner, max_size=35).map(tuple),
        st.frozensets(scalars.filter(lambda v: v == v), max_size=35),  # NaN: equal to nothing
        st.sets(st.integers(), max_size=35),
        st.dictionaries(st.one_of(st.text(max_size=20), st.integers()), inner, max_size=35),
    ),
    max_leaves=60,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=containers, limit=st.integers(min_value=0, max_value=700))
def test_the_one_call_repr_of_plain_containers_is_the_element_by_element_one(
    value: Any, limit: int
) -> None:
    """The shortcut that reprs a small container of plain scalars in one call writes
    exactly what the element-by-element reader writes (sensitive keys hidden,
    big ints and long texts cut the same way), for every limit."""
    from crashreport.capture import values

    code = values.UserCode(per_call=1.0, total=10.0)
    fast = values.safe_repr(value, limit, code)
    original = values._plain
    values._plain = lambda *_args: None  # type: ignore[assignment]
    try:
        careful = values.safe_repr(value, limit, code)
    finally:
        values._plain = original
    assert fast == careful
