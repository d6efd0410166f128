"""The team's sync service: the only holder of the shared store's credentials."""
