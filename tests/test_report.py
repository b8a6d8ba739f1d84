"""The report model: its JSON form reads back exactly, old reports still read,
and ``map_strings`` reaches every free-text string of every field."""

from __future__ import annotations

import copy
import inspect
import json
import pickle
from typing import Any

import pytest

from crashreport._frozen import fields
from crashreport.report import (
    SCHEMA,
    Environment,
    ExceptionInfo,
    Frame,
    Report,
    SyntaxDetails,
    map_strings,
    strings,
)


def full_report() -> Report:
    """A report with every field set to something that is not its default."""
    frame = Frame(
        file="src/app.py",
        line=3,
        function="App.run",
        source="run(x)",
        locals=(("x", "1"),),
        end_line=3,
        column=0,
        end_column=6,
        repeated=5,
        repeated_span=2,
    )
    cause = ExceptionInfo(type="KeyError", message="'k'", frames=(frame,))
    member = ExceptionInfo(type="ValueError", message="m", notes=("member note",))
    exception = ExceptionInfo(
        type="ExceptionGroup",
        message="group",
        frames=(frame,),
        notes=("a note",),
        cause=cause,
        link="cause",
        exceptions=(member,),
        omitted_frames=2,
        omitted_exceptions=1,
        syntax=SyntaxDetails(
            file="bad.py", line=1, column=4, end_line=1, end_column=5, text="x = ("
        ),
    )
    environment = Environment(
        os="Linux",
        arch="x86_64",
        python_implementation="CPython",
        python_version="3.11.7",
        packages=(("attrs", "24.2"),),
        argv=("tool", "--flag"),
        variables=(("LANG", "C"),),
    )
    return Report(
        id="0f3c2f0e-0000-4000-8000-000000000000",
        time="2026-01-01T00:00:00+00:00",
        product="p",
        version="1",
        mechanism="excepthook",
        environment=environment,
        exception=exception,
        comment="a comment",
        truncated=("cut",),
    )


def test_the_json_form_reads_back_exactly() -> None:
    """to_dict -> JSON -> from_dict gives the same report, with every field set."""
    report = full_report()
    data = json.loads(json.dumps(report.to_dict()))
    assert data["schema"] == SCHEMA
    assert Report.from_dict(data) == report


def test_optional_fields_are_left_out_when_empty() -> None:
    """A plain report's JSON has no empty new fields (the first release's shape)."""
    report = Report(
        id="i",
        time="t",
        product="p",
        version="1",
        mechanism="m",
        environment=Environment("Linux", "x86_64", "CPython", "3.11.7"),
        exception=ExceptionInfo(type="ValueError", message="x", frames=(Frame("a.py", 1, "f"),)),
    )
    data = report.to_dict()
    assert set(data) == {
        "schema",
        "id",
        "time",
        "product",
        "version",
        "mechanism",
        "environment",
        "exception",
        "comment",
    }
    assert set(data["environment"]) == {"os", "arch", "python_implementation", "python_version"}
    assert set(data["exception"]["frames"][0]) == {"file", "line", "function", "source", "locals"}
    assert "syntax" not in data["exception"]
    assert Report.from_dict(data) == report


def test_a_report_of_the_first_release_still_reads() -> None:
    """The shape written before columns, syntax details and opt-in extras existed."""
    old = {
        "schema": SCHEMA,
        "id": "i",
        "time": "t",
        "product": "p",
        "version": "1",
        "mechanism": "excepthook",
        "environment": {
            "os": "Linux",
            "arch": "x86_64",
            "python_implementation": "CPython",
            "python_version": "3.11.7",
        },
        "exception": {
            "type": "ValueError",
            "message": "x",
            "frames": [{"file": "a.py", "line": 1, "function": "f", "source": "s", "locals": {}}],
            "notes": [],
            "exceptions": [],
            "omitted_frames": 0,
            "omitted_exceptions": 0,
        },
        "comment": "",
        "redactions": {"password": 1},
    }
    report = Report.from_dict(old)
    assert report.exception.frames[0].column is None
    assert report.environment.packages == ()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"schema": "other/1"},
        {"schema": SCHEMA, "id": "x"},
        {**full_report().to_dict(), "environment": {"os": "Linux"}},
        {**full_report().to_dict(), "exception": {"type": "X", "message": "m", "frames": [1]}},
    ],
    ids=["empty", "other-schema", "missing-fields", "bad-environment", "bad-frame"],
)
def test_other_shapes_are_refused_with_value_error(data: dict[str, Any]) -> None:
    """Anything that is not a report of this schema raises ValueError, never another error."""
    with pytest.raises(ValueError, match="report"):
        Report.from_dict(data)


MODELS = (Report, Environment, ExceptionInfo, Frame, SyntaxDetails)


def parameters(cls: type) -> list[inspect.Parameter]:
    """The constructor's parameters: the fields, read independently of the model's
    own machinery (``__slots__``), which map_strings and to_dict walk."""
    return list(inspect.signature(cls).parameters.values())


def instances(value: Any) -> list[Any]:
    """Every model object inside ``value`` (an independent walk, not map_strings)."""
    found = []
    if type(value) in MODELS:
        found.append(value)
        for field in parameters(type(value)):
            found += instances(getattr(value, field.name))
    elif isinstance(value, tuple):
        for item in value:
            found += instances(item)
    return found


def text_leaves(value: Any, name: str = "") -> list[str]:
    """Every string inside ``value``, except in fields that hold our identifiers."""
    if type(value) in MODELS:
        return [
            leaf
            for field in parameters(type(value))
            for leaf in text_leaves(getattr(value, field.name), field.name)
        ]
    if isinstance(value, tuple):
        return [leaf for item in value for leaf in text_leaves(item, name)]
    if isinstance(value, str) and name not in ("id", "time", "mechanism", "link"):
        return [value]
    return []


def test_the_full_report_sets_every_field() -> None:
    """The sample below sets every field of every class to a non-default value, so
    a field added later without being added here fails this test."""
    classes = {type(obj) for obj in instances(full_report())}
    assert classes == {Report, Environment, ExceptionInfo, Frame, SyntaxDetails}
    for obj in instances(full_report()):
        for field in parameters(type(obj)):
            if field.default is not inspect.Parameter.empty:
                assert any(
                    getattr(o, field.name) != field.default
                    for o in instances(full_report())
                    if type(o) is type(obj)
                ), f"{type(obj).__name__}.{field.name} is never set in full_report()"


def test_map_strings_reaches_every_free_text_string() -> None:
    """Every string of every field (found by an independent walk) is transformed,
    and our identifiers are not."""
    report = full_report()
    marked = map_strings(report, lambda text: f"<<{text}>>")
    originals = text_leaves(report)
    assert len(originals) > 20
    assert text_leaves(marked) == [f"<<{text}>>" for text in originals]
    assert strings(report) == originals
    assert marked.id == report.id
    assert marked.time == report.time
    assert marked.mechanism == report.mechanism
    assert marked.exception.link == "cause"
    # the pairs (locals, packages, variables): names and values both
    assert marked.exception.frames[0].locals == (("<<x>>", "<<1>>"),)
    assert marked.environment.variables == (("<<LANG>>", "<<C>>"),)
    assert marked.environment.argv == ("<<tool>>", "<<--flag>>")
    assert marked.exception.syntax is not None
    assert marked.exception.syntax.text == "<<x = (>>"
    assert marked.truncated == ("<<cut>>",)


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_every_field_is_a_constructor_parameter_in_order(cls: type) -> None:
    """map_strings, to_dict and replace rebuild a model from its fields, so the
    fields must be the constructor's parameters, same names, same order."""
    assert fields(cls) == tuple(p.name for p in parameters(cls))


def test_a_report_is_a_frozen_value() -> None:
    """A report cannot be changed, equals (and hashes like) a report with the same
    fields, shows its fields in its repr, and survives copying and pickling."""
    report = full_report()
    with pytest.raises(AttributeError, match="immutable"):
        report.comment = "changed"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        report.exception.frames[0].locals = ()  # type: ignore[misc]
    twin = Report.from_dict(report.to_dict())
    assert twin == report
    assert twin is not report
    assert hash(twin) == hash(report)
    assert report != report.replace(comment="other")
    assert report.exception.frames[0] != report.exception.frames[0].replace(line=4)
    assert "function='App.run'" in repr(report.exception.frames[0])
    assert repr(report).startswith("Report(id='0f3c2f0e-")
    assert copy.deepcopy(report) == report
    assert pickle.loads(pickle.dumps(report)) == report


def test_replace_changes_only_the_named_fields() -> None:
    """``replace`` (attrs' ``evolve``) keeps every other field, and refuses a
    field the model does not have."""
    report = full_report()
    changed = report.replace(comment="new", truncated=())
    assert (changed.comment, changed.truncated) == ("new", ())
    assert changed.replace(comment=report.comment, truncated=report.truncated) == report
    with pytest.raises(TypeError, match="no field commment"):
        report.replace(commment="typo")
