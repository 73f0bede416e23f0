"""Operator accounts: passwords, console sessions, roles, and creating an operator."""
