"""The audit log of admin and facilitator actions."""
