"""``ledgerpact verify ADAPTER``: provider verification of every consumer pact and
property-based tests against an adapter wired to its vendor simulator, recorded in Git."""
