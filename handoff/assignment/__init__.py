"""Who gets a waiting chat: auto-assignment to online operators and the claim that settles races."""
