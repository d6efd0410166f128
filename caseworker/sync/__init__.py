"""Sync with the team's shared store: push the outbox, pull in commit order (see run.py)."""
