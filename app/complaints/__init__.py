"""External complaints: their categories, their import, and what they say up the service chain."""
