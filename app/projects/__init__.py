"""Improvement projects, each tied to an external-client metric it must move."""
