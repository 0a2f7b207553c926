"""Live battles: from a room's start, through judging, to the result."""
