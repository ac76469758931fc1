"""The registry's own governance policy: deprecation periods, the architecture group, and the
rules a contract's lifecycle imposes on its changes."""
