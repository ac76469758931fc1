"""The AsyncAPI object model behind ``ledgerpact.registry.asyncapi_structure``.

Split by concern: ``shapes`` (the checking engine), ``schemas`` (the schema languages a payload
may use), ``common`` (objects every version shares), ``bindings`` (3.x protocol bindings),
``v2`` (AsyncAPI 2.6.0) and ``v3`` (AsyncAPI 3.0.0 and 3.1.0).
"""
