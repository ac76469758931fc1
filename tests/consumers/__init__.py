"""Consumer-side code and pact definitions of the platform's erp-finance and finance-events
consumers (invoice-automation, treasury, analytics): test support for the consumer-driven
contract tests, not shipped product code."""
