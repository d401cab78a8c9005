"""The JSON API under /api/v1, for help desks and CRMs that push metric readings."""
