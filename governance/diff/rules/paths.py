"""Path and operation rules: added, removed (with or without deprecation and sunset),
deprecated."""
