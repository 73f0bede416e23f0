"""The operator's desk: what an operator sees of the queue and a chat, and acts on it with."""
