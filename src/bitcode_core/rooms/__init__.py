"""Rooms: where players gather, pick sides and ready up before a battle.

Only the rules live here; storing rooms and broadcasting their events is the
adapters' job. Every operation on a ``Room`` returns the events it caused.
"""
