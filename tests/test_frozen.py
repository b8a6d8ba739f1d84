"""The frozen value classes' base: immutable, equal and hashed by value, readable,
copied and pickled through their constructor -- what attrs' ``frozen`` gave the
model, without attrs on the crash path."""

from __future__ import annotations

import copy
import pickle

import pytest

from crashreport._frozen import Frozen, fields


class Point(Frozen):
    """Two fields, one with a default."""

    __slots__ = ("x", "y")
    x: int
    y: int

    def __init__(self, x: int, y: int = 0) -> None:
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)


class Tagged(Point):
    """A subclass that adds a field (and a check)."""

    __slots__ = ("tag",)
    tag: str

    def __init__(self, x: int, y: int = 0, tag: str = "") -> None:
        if not isinstance(tag, str):
            raise TypeError("tag must be a string")
        super().__init__(x, y)
        object.__setattr__(self, "tag", tag)


class Other(Frozen):
    """The same field names as Point, another class."""

    __slots__ = ("x", "y")
    x: int
    y: int

    def __init__(self, x: int, y: int = 0) -> None:
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)


def test_fields_are_the_slots_of_the_class_and_its_bases_in_order() -> None:
    """A subclass's fields come after its base's, in the constructor's order."""
    assert fields(Point) == ("x", "y")
    assert fields(Tagged) == ("x", "y", "tag")
    assert Tagged.__match_args__ == ("x", "y", "tag")


def test_no_field_can_be_set_or_deleted_after_construction() -> None:
    """Assignment and deletion raise AttributeError, naming the class."""
    point = Point(1, 2)
    with pytest.raises(AttributeError, match="Point is immutable"):
        point.x = 3  # type: ignore[misc]
    with pytest.raises(AttributeError, match="Point is immutable"):
        del point.y
    with pytest.raises(AttributeError):
        point.z = 1  # type: ignore[attr-defined]
    assert (point.x, point.y) == (1, 2)


def test_equality_and_hash_are_by_class_and_values() -> None:
    """Equal fields and class: equal and the same hash; another class or value: not equal."""
    assert Point(1, 2) == Point(1, 2)
    assert hash(Point(1, 2)) == hash(Point(1, 2))
    assert Point(1, 2) != Point(1, 3)
    assert Point(1, 2) != Other(1, 2)
    assert Point(1, 2) != Tagged(1, 2)
    assert Point(1, 2) != (1, 2)
    assert len({Point(1, 2), Point(1, 2), Point(2, 1)}) == 2


def test_the_repr_shows_every_field() -> None:
    """``Tagged(x=1, y=2, tag='t')``, like attrs' repr."""
    assert repr(Tagged(1, 2, "t")) == "Tagged(x=1, y=2, tag='t')"


def test_replace_builds_a_changed_copy_through_the_constructor() -> None:
    """``replace`` keeps the other fields, runs the constructor's checks, and refuses
    names that are not fields."""
    tagged = Tagged(1, 2, "t")
    assert tagged.replace(y=5) == Tagged(1, 5, "t")
    assert tagged == Tagged(1, 2, "t")
    with pytest.raises(TypeError, match="tag must be a string"):
        tagged.replace(tag=3)
    with pytest.raises(TypeError, match="Tagged has no field colour"):
        tagged.replace(colour="red")


def test_copies_and_pickles_are_equal_and_made_by_the_constructor() -> None:
    """copy, deepcopy and a pickle round trip give an equal value of the same class."""
    tagged = Tagged(1, 2, "t")
    for twin in (copy.copy(tagged), copy.deepcopy(tagged), pickle.loads(pickle.dumps(tagged))):
        assert twin == tagged
        assert type(twin) is Tagged


def test_pattern_matching_by_position() -> None:
    """``case Point(x, y)`` works as with attrs' classes."""
    match Point(3, 4):
        case Point(x, y):
            assert (x, y) == (3, 4)
        case _:  # pragma: no cover - the match above must succeed
            pytest.fail("Point(x, y) did not match")
