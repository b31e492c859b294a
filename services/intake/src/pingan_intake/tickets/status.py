"""What a ticket's status means to intake's rules."""

# Merged into a master or closed: no report from another service moves the status, no operator
# reclassifies the ticket, and Open311 shows the request closed. (A retraction or an answer
# closes the ticket with that resolution; the two names are kept here as well.)
FINISHED_STATUSES = frozenset({"closed", "merged", "retracted", "answered"})
