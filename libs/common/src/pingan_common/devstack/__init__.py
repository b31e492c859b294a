"""The local stack: ``python -m pingan_common.devstack run|up|down|status|logs|token``.

Everything on loopback: embedded PostgreSQL, the Tansu broker, the dev token issuer and the
five services as supervised child processes; state and logs under ``.run/`` at the repo root.
"""
