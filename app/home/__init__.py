"""The home page: what each role has to do now, and how far a new company has got towards its first round."""
