# The records of this work area arrive with its own issue.
