"""The domain layer: wire types, pure policy and the clients built on ports.

Pure policy means paths, chunking, metric reduction, submission ordering, tensor conversion,
argument validation and custom-loss math. Nothing here performs I/O directly; time comes from
the Clock port and bytes from the Codec port.
"""
