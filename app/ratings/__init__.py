"""Rating rounds: who rates whom, anonymous submission, the holding buffer and the counters."""
