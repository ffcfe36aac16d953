"""The review loop: the review workspace and queue in the admin, re-review
after a change, the conversation under a report, and telling the other side."""
