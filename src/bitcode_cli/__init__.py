"""The ``bitcode`` command."""
