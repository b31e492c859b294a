"""Every capability's page router, in one list the composition root includes."""

from fastapi import APIRouter

from pingan_console.alerts.routes import router as alerts
from pingan_console.assessments.routes import router as assessments
from pingan_console.bigscreen.routes import router as bigscreen
from pingan_console.dispatch.routes import router as dispatch
from pingan_console.grid.routes import router as grid
from pingan_console.keypersons.routes import router as keypersons
from pingan_console.mediation.routes import router as mediation
from pingan_console.operator.routes import router as operator
from pingan_console.tickets.routes import router as tickets
from pingan_console.unit.routes import router as unit

PAGE_ROUTERS: tuple[APIRouter, ...] = (
    operator,
    tickets,
    dispatch,
    unit,
    grid,
    mediation,
    alerts,
    keypersons,
    assessments,
    bigscreen,
)
