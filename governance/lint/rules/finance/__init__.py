"""The finance rule pack: what a finance integration architect checks in an API contract.

Money as decimal strings with a currency, idempotent postings, RFC 9457 errors, proper dates,
cursor pagination, extensible status enums, sensitive values kept out of URLs, events in the
canonical envelope, and an owner and a lifecycle for every contract. Each module registers
its rules on import; the names they judge by are in ``vocabulary``.
"""

from ledgerpact.governance.lint.rules.finance import (  # noqa: F401 - each registers rules
    dates,
    enums,
    errors,
    events,
    idempotency,
    money,
    ownership,
    pagination,
    sensitive,
)
