"""Accounts: sign-in, sessions, invitations and password links, first-run setup."""
