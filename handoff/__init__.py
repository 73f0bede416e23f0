"""Handoff to live operators: the queue, routing by competence, the operator console and its API."""
