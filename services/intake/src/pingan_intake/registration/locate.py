"""Registration, stage 2: where the ticket happened, and that the submitter may report there.

An explicit grid code wins, then lon/lat, then words in the address (``places.resolver``); a
grid worker's report without any place is placed in the worker's own grid.
"""

from __future__ import annotations

from dataclasses import dataclass

from pingan_common.auth import Principal, ensure_area
from pingan_common.problems import ProblemError
from pingan_intake.places.resolver import PlaceResolver, ResolvedPlace
from pingan_intake.registration.schemas import TicketCreate
from pingan_intake.registration.validate import Submission


@dataclass(frozen=True)
class Located:
    submission: Submission
    place: ResolvedPlace


def locate(submission: Submission, places: PlaceResolver) -> Located:
    principal = submission.principal
    place = _resolve(places, submission.body, principal)
    ensure_area(principal, place.area_code)
    return Located(submission, place)


def _resolve(places: PlaceResolver, body: TicketCreate, principal: Principal) -> ResolvedPlace:
    location = body.location
    grid_code = location.grid_code
    if grid_code and not places.known_grid(grid_code):
        raise ProblemError(
            422,
            "Unknown grid",
            f"grid {grid_code} is not a grid of this county",
            errors=[
                {"field": "body.location.grid_code", "message": "unknown grid", "type": "unknown"}
            ],
        )
    has_place = grid_code or location.lon is not None or location.address
    if (
        not has_place
        and "grid_worker" in principal.roles
        and places.known_grid(principal.area_code)
    ):
        grid_code = principal.area_code
    return places.resolve(
        grid_code=grid_code, lon=location.lon, lat=location.lat, address=location.address
    )
