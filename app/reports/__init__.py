"""Published results of rating rounds: the publishing gate, scorecards, company views and exports."""
