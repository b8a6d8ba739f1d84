"""Frozen value classes without attrs: ``__slots__``, compared and hashed by value.

Everything that runs between a crash and the consent prompt -- the report
model, the payload, the decision -- is made of these. That path runs in a
process that has just crashed, against a time budget of a few milliseconds,
and attrs costs about 50 ms to import plus about 1 ms per class it builds
(it compiles each class's methods). attrs stays for what runs after consent.

A class lists its fields in ``__slots__``, in the order of its constructor's
parameters (which have the same names), and its ``__init__`` sets them with
``object.__setattr__``. This base adds what attrs' ``frozen`` gave: no
assignment after construction, equality and hashing by class and field
values, a readable ``repr``, ``replace(**changes)`` (attrs' ``evolve``, also
``copy.replace`` on Python 3.13+), ``__match_args__``, and copying and
pickling through the constructor (so a constructor that validates -- as
``ConsentedReport``'s does -- also validates a copy).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs milliseconds to import; mypy reads this name
if TYPE_CHECKING:
    from typing import Any, Self

__all__ = ["Frozen", "fields"]


class Frozen:
    """Base of the immutable value classes (see the module's docstring)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _field_set: frozenset[str] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # every field of the class and of its bases, base fields first: the
        # constructor's parameter order, by the convention above
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            slots = klass.__dict__.get("__slots__", ())
            names.extend((slots,) if isinstance(slots, str) else slots)
        cls._fields = tuple(names)
        cls._field_set = frozenset(names)
        setattr(cls, "__match_args__", cls._fields)  # noqa: B010 - mypy: a class attribute

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {name!r}")

    def _values(self) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in self._fields])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((self.__class__, *self._values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[type[Self], tuple[object, ...]]:
        return (type(self), self._values())

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` (field names as keywords), built by the constructor."""
        if not self._field_set.issuperset(changes):
            unknown = sorted(set(changes) - self._field_set)
            raise TypeError(f"{type(self).__name__} has no field {', '.join(unknown)}")
        # positionally: the fields are the constructor's parameters, in order
        return type(self)(
            *[changes[name] if name in changes else getattr(self, name) for name in self._fields]
        )

    __replace__ = replace  # copy.replace (Python 3.13+)


def fields(cls: type[Frozen]) -> tuple[str, ...]:
    """The field names of a ``Frozen`` class, in constructor order."""
    return cls._fields
