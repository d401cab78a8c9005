"""Trading-zone agreements: what one department's head promises another's, and whether it was kept."""
