"""A ticket's timeline and status as the other services report them, one module per source."""
