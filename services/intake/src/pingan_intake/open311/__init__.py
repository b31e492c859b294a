"""Open311 GeoReport v2: the county's subcategories as services, tickets as service requests."""
