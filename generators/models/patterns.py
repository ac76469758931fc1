"""Patterns of the contract, ECMA-262 regular expressions, in the syntax the models check them in.

The generated models check ``pattern`` with pydantic-core, whose default engine is Rust's
``regex`` and whose other is Python's ``re``; neither reads ECMA-262 (``\\d`` is any Unicode
digit in both, ``$`` in Python also matches before a final newline). This module holds that
one job, apart from the schema rewriting in ``prepare``: a pattern is translated by
``jsregex`` as lint and registry validation read it (``python_form``), kept in Rust's syntax
where Rust's engine reads it alike (``rust_form``, so the class stays on the linear-time
engine), written with a plain ``$`` where only a decimal's text is checked (``portable``), and
refused when the models could not check it with the contract's meaning.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic_core import SchemaError, SchemaValidator, core_schema

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.jsregex import python_pattern


def python_form(pattern: str, at: str) -> str:
    """``pattern`` (ECMA-262, as JSON Schema says) in Python's ``re`` syntax, with its
    ECMA-262 meaning: ``\\d`` is ``[0-9]``, ``$`` the end of the text, ``.`` no line
    terminator. It is translated by ``jsregex``, as lint and registry validation read it
    (without flags, as ajv builds it), so a value the registry accepts the models accept.

    The translation is written for Python's ``re``: the generator sees syntax Rust's regex
    lacks (``\\Z``, look-ahead) and moves such a pattern to Python's engine itself, and
    ``_types`` checks decimal texts and if/then rules with ``re``. A pattern it cannot
    translate or ``re`` cannot compile is refused rather than dropped, so the models are never
    silently less strict than the contract; so is ``\\p{...}``, which without the ``u`` flag
    is the letter ``p`` but is almost always meant as a Unicode property."""
    if _PROPERTY_ESCAPE.search(pattern):
        raise InputError(f"pattern {pattern!r} uses a Unicode property escape (\\p{{...}}); "
                         "JSON Schema patterns are read without the u flag, where it is the "
                         "letter p: spell the characters out (e.g. [A-Za-z])",
                         pointer=at or "/")
    try:
        translated = python_pattern(pattern, "")
        re.compile(translated)
    except (ValueError, re.error) as exc:
        raise InputError(f"pattern {pattern!r} is not an ECMA-262 regular expression the "
                         f"generated models can check ({exc})", pointer=at or "/") from None
    return translated


# A backslash that escapes p or P (after any number of escaped backslashes).
_PROPERTY_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\[pP]")


def portable(pattern: str) -> str:
    """A translated pattern with ``$`` for the end, for a pattern only ever checked on a
    decimal's text: as both of pydantic's engines read it, and as the contract wrote it.

    ``_types.DecimalText`` hands its pattern to pydantic too, with the engine of the model
    that uses it, which the generator cannot see (Rust's by default, which has no ``\\Z``).
    Python's ``$`` also matches before a final newline, but a decimal's text has none
    (``DecimalText`` refuses any other text, and rules see the decimal written out), so the
    two ends agree there. Decimal patterns hold nothing else Rust reads differently."""
    return _END.sub(r"\1$", pattern)


# ``\Z`` as an escape (not the letter after an escaped backslash).
_END = re.compile(r"(?<!\\)((?:\\\\)*)\\Z")


@lru_cache(maxsize=4096)
def rust_form(pattern: str) -> str | None:
    """A translated pattern as pydantic's default engine (Rust's ``regex``) reads it with the
    same meaning, or None when it cannot.

    Patterns stay on Rust's engine wherever they can, as before translation: it runs in
    linear time, where Python's backtracks (``^(a+)+$`` on a hostile value never ends), and
    a generated model validates what its service receives. Rust's ``$`` is the very end, as
    ECMA-262's; ``\\<`` and ``\\>`` are word boundaries there (literal in ECMA-262 and
    Python), so they are written plain; and a class with ``--``, ``&&`` or ``~~`` (set
    operations in Rust) is left to Python. Anything else Rust refuses (look-around,
    back-references) is Python's too: the generator then runs it with Python's engine."""
    rust = _ANGLE.sub(r"\1\2", portable(pattern))
    if any(op in rust for op in ("--", "&&", "~~")):
        return None
    try:
        SchemaValidator(core_schema.str_schema(pattern=rust))
    except SchemaError:
        return None
    return rust


# ``\<`` or ``\>`` as an escape (not after an escaped backslash).
_ANGLE = re.compile(r"(?<!\\)((?:\\\\)*)\\([<>])")
