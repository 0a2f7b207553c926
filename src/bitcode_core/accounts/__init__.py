"""Accounts: users, roles, device sessions and the rules for credentials."""
