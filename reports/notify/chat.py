"""Chat channel."""
