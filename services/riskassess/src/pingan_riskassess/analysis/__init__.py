"""Situation analysis (研判): counts and trends of calls and alerts by category, area and day,
and hotspots on the county's grid map as GeoJSON for the console."""
