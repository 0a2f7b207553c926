"""BitCode's battle rules, judging use cases and the ports they need.

Pure Python: this package imports only the standard library. Adapters (storage,
judges, clocks) are handed in by the composition roots in ``bitcode_http`` and
``bitcode_cli``.
"""
