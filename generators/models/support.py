'''The ``_types`` module of every generated package: what pydantic lacks for finance contracts.

Written into each package (never imported from Ledgerpact) so that a generated package needs
nothing but pydantic at run time. Its fixed part is ``RUNTIME``; ``render`` adds one alias per
kind of decimal string the contract uses, each carrying that string's pattern and length.
'''

from __future__ import annotations

from ledgerpact.generators.models.prepare import DecimalSpec

RUNTIME = '''"""Types the generated models use that pydantic does not provide.

Decimal strings ("1250.00") become ``Decimal`` and are written back as the same digits, never
through a float and never in exponent form; the contract's pattern and length limits apply to
the text, in JSON as in Python. JSON numbers become ``Decimal`` as well. Extensible enums accept
values added after this version of the contract: an unknown value becomes a member of its own
(never stored on the class) that compares, serializes and prints as its value.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Annotated, Any, Self

from pydantic import GetCoreSchemaHandler, PlainSerializer
from pydantic_core import PydanticCustomError, core_schema

_DECIMAL = re.compile(r"-?[0-9]+(\\.[0-9]+)?")


def decimal_text(value: Decimal) -> str:
    """The decimal as the contract writes it: plain digits, never an exponent."""
    return format(value, "f")


def decimal_number(value: Decimal) -> int | float:
    """The decimal as a JSON number (the contract chose a JSON number, not a string)."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(value)
    return float(value)


class DecimalText:
    """Annotation for a decimal carried as a JSON string, checked against the contract's
    pattern and length limits before it is read."""

    __slots__ = ("_regex", "max_length", "min_length", "pattern")

    def __init__(self, pattern: str | None = None, *, max_length: int | None = None,
                 min_length: int | None = None) -> None:
        self.pattern = pattern
        self.max_length = max_length
        self.min_length = min_length
        self._regex = re.compile(pattern) if pattern is not None else None

    def _read(self, text: str) -> Decimal:
        if not _DECIMAL.fullmatch(text):
            raise PydanticCustomError(
                "decimal_text", "Input should be a decimal number written as a string, "
                "such as \\"1250.00\\" (no exponent, no spaces, no plus sign)")
        return Decimal(text)

    def _check(self, value: Decimal) -> Decimal:
        if not value.is_finite():
            raise PydanticCustomError("decimal_text", "Input should be a finite decimal")
        text = decimal_text(value)
        if self._regex is not None and not self._regex.search(text):
            raise PydanticCustomError("decimal_text", "{text} does not match {pattern}",
                                      {"text": text, "pattern": self.pattern})
        if self.max_length is not None and len(text) > self.max_length:
            raise PydanticCustomError("decimal_text", "{text} is longer than {n} characters",
                                      {"text": text, "n": self.max_length})
        if self.min_length is not None and len(text) < self.min_length:
            raise PydanticCustomError("decimal_text", "{text} is shorter than {n} characters",
                                      {"text": text, "n": self.min_length})
        return value

    def _python(self, value: object) -> Decimal:
        """From Python: a Decimal, or its text as JSON would carry it; never a float."""
        if isinstance(value, Decimal):
            return self._check(value)
        if isinstance(value, str):
            return self._check(self._read(value))
        raise PydanticCustomError(
            "decimal_type", "Input should be a Decimal or a decimal string such as "
            "\\"1250.00\\", not {type}", {"type": type(value).__name__})

    def __get_pydantic_core_schema__(self, source: Any,
                                     handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        text = core_schema.str_schema(pattern=self.pattern, max_length=self.max_length,
                                      min_length=self.min_length, strict=True)
        return core_schema.json_or_python_schema(
            json_schema=core_schema.no_info_after_validator_function(self._read, text),
            python_schema=core_schema.no_info_plain_validator_function(self._python),
            serialization=core_schema.plain_serializer_function_ser_schema(
                decimal_text, when_used="json"),
        )


DecimalNumber = Annotated[Decimal, PlainSerializer(decimal_number, when_used="json")]


class ExtensibleStrEnum(StrEnum):
    """A string enum whose contract may add values: an unknown value is accepted as a member
    of its own instead of failing validation.

    The unknown member is made anew each time and never stored on the class: values come from
    the wire, and a class that remembered each one would grow without limit in a long-running
    service. Two such members are equal (and hash alike) because they are equal strings."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member


class ExtensibleEnum(Enum):
    """An enum of other values whose contract may add values (see ``ExtensibleStrEnum``:
    unknown members are not stored either, so members compare by value, not identity)."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        member = object.__new__(cls)
        member._name_ = str(value)
        member._value_ = value
        return member

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ExtensibleEnum) and type(other) is type(self):
            return bool(self._value_ == other._value_)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._name_)
'''


def render(header: str, decimals: dict[str, DecimalSpec]) -> str:
    """The support module for one contract: the runtime plus its decimal aliases."""
    lines = [header.rstrip("\n"), RUNTIME.rstrip("\n")]
    for name in sorted(decimals):
        spec = decimals[name]
        args = [repr(spec.pattern)] if spec.pattern is not None else []
        if spec.max_length is not None:
            args.append(f"max_length={spec.max_length}")
        if spec.min_length is not None:
            args.append(f"min_length={spec.min_length}")
        lines.append(f"\n\n{name} = Annotated[Decimal, DecimalText({', '.join(args)})]")
    return "\n".join(lines) + "\n"
