"""“You said — we did”: what came of each round for the people who took part, and heads' responses."""
