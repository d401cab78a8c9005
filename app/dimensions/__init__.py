"""Service dimensions employees rate departments on."""
