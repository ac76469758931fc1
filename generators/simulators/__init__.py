"""Contract-driven simulators of finance systems for QA (``ledgerpact simulate``).

One engine serves any registry OpenAPI contract over HTTP on 127.0.0.1: every request and
every response is checked against the contract, faults are injected on purpose, and state
survives a restart. Finance behaviours (ERP, invoice automation, tax engine) plug into the
engine; everything else is answered generically from the contract's examples and schemas.
"""
