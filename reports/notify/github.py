"""GitHub channel."""
