"""External-client metrics: the catalog and its readings over time."""
