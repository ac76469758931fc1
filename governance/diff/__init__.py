"""Breaking-change detection: two versions of a contract in, a list of classified changes out.

The flow is one way, as in lint: load each side (a file, a registry ``ID@REF``) -> walk both
documents together once, pairing paths, operations, parameters, messages and schemas -> run the
small rules registered for each kind of pair -> report. A shared schema is compared once per
direction, however many operations use it, and its changes list the operations they affect.
"""
