"""JSON values compared as JSON, which Python's own ``==`` does not do.

Every part of the schema diff asks whether two values are the same (a keyword in both
versions, the ``enum``s of two ``allOf`` members, a oneOf variant and the schema it replaced);
with Python's ``True == 1`` each of them would call ``exclusiveMinimum: true`` and
``exclusiveMinimum: 1`` equal. The walk, the merged views, the variant pairing and the rules
all ask here, so they cannot disagree.
"""

from __future__ import annotations

import json
from typing import Any


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values, which Python's ``==`` is not: ``true == 1`` and ``0 == false``
    there, so ``exclusiveMinimum: true`` (3.0) would equal ``exclusiveMinimum: 1`` (3.1) and
    ``enum: [1]`` would equal ``enum: [true]``. Python's comparison runs first (in C);
    the strict one only confirms what it calls equal."""
    if a != b:
        return False
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if isinstance(x, bool) or isinstance(y, bool):
            if type(x) is not type(y):
                return False
        elif isinstance(x, dict):
            stack.extend((v, y[k]) for k, v in x.items())
        elif isinstance(x, list):
            stack.extend(zip(x, y, strict=True))
    return True


def json_text(variant: Any) -> str:
    """A value as canonical JSON text (``true`` is not ``1`` there): a hashable key for
    values that are not hashable themselves (an enum's, a variant's content)."""
    return json.dumps(variant, sort_keys=True, default=str)
