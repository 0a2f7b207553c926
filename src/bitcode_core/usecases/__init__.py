"""Use cases: what players and operators do, written against the ports."""
