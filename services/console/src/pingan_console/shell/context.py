"""The console's process-wide parts, built in the lifespan and reached from any route."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from pingan_common.auth import JwtVerifier
from pingan_common.auth.throttle import LoginThrottle
from pingan_common.refdata import CountyData
from pingan_console.sessions.store import SessionStore
from pingan_console.settings import ConsoleSettings
from pingan_console.upstream import Upstream


@dataclass
class Console:
    settings: ConsoleSettings
    sessions: SessionStore
    upstream: Upstream
    verifier: JwtVerifier
    county: CountyData
    templates: Jinja2Templates
    # Failed sign-ins lock the name (5 in 5 min) and, more leniently, the browser's address
    # (a county office may sit behind one NAT address).
    name_throttle: LoginThrottle
    address_throttle: LoginThrottle

    def area_name(self, code: str) -> str:
        """The area's name with its parents below the county, e.g. 城关镇 · 城南社区."""
        path = [area for area in self.county.area_path(code) if area.level != "county"]
        if not path:
            area = self.county.area(code)
            return area.name if area else code
        return " · ".join(area.name for area in path)


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


ConsoleDep = Annotated[Console, Depends(console_of)]
