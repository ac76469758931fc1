"""Can-i-deploy: verification records kept in the registry's Git history, and the Pact
Broker's deployment decision computed from them, so no broker server is needed."""
