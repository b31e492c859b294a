"""Who to tell: the local copy of dispatch's directory (units, staff, rosters) and the lookups
over it (a unit's SMS contact, its supervisor, who is on duty, who holds a role in an area)."""
