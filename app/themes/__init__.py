"""Comment themes: released comments and workshop cards tagged with the dimensions and root causes."""
