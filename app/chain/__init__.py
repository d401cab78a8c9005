"""The service chain of an external-client metric, from the departments that drive it up the service map."""
