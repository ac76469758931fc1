"""Reference adapter: the canonical ``erp-finance`` API and ``finance-events`` over a
NetSuite-style REST vendor-bill service (the ``netsuite-rest`` contract)."""
