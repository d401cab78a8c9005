"""Workshops: the trading zone where departments turn weak spots into projects together."""
