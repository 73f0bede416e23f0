"""The citizen's side of handoff: routing a request to a group, the queue, place in line, waits.

`rules` is pure (no database, no clock), `store` reads and changes the queue's rows, `notices`
words what the citizen is told.
"""
