"""The organisation: departments, people and the service map."""
