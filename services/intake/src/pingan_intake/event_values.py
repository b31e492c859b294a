"""A stored ticket's facts as the value types its events carry."""

from __future__ import annotations

from pingan_common.events import Category, Location
from pingan_intake.models import Ticket


def category_of(ticket: Ticket) -> Category:
    return Category(
        group=ticket.category_group, code=ticket.category_code, label=ticket.category_label
    )


def location_of(ticket: Ticket) -> Location:
    return Location(
        address=ticket.address,
        lon=ticket.lon,
        lat=ticket.lat,
        grid_code=ticket.grid_code,
        village_code=ticket.village_code,
        township_code=ticket.township_code,
        resolved=ticket.location_resolved,
    )
