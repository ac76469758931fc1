"""The Git-backed registry of canonical finance contracts, and the ``ledgerpact`` CLI."""

# The package version: pyproject.toml reads it from here, and reports print it without
# importing importlib.metadata (a tenth of a second's worth of modules on a small lint).
__version__ = "0.1.0"
