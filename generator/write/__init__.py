"""Writing: planned files to output/, the build's kept state, worker processes."""
