"""Where JSON Schema keeps its subschemas: one list for every walker of schemas.

The bundler, the example collector and the lint index all descend into subschemas; they must
agree on which keywords hold one, several or a map of them, or a schema nested under a
keyword one of them forgot would be checked by some tools and silently skipped by others.
"""

from __future__ import annotations

# One subschema (the order is the order walkers push children in; keep it stable).
SUBSCHEMA = ("items", "not", "additionalProperties", "contains", "propertyNames", "if",
             "then", "else", "unevaluatedProperties", "unevaluatedItems", "additionalItems",
             "contentSchema")
# A list of subschemas.
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
# A map of names to subschemas.
SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions",
                  "dependentSchemas")
