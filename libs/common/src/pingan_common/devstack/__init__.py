"""The local stack: ``python -m pingan_common.devstack run|up|down|status|logs|token``.

Everything on loopback: embedded PostgreSQL, the Tansu broker, the dev token issuer and the
five services as supervised child processes; state and logs under ``.run/`` at the repo root.

The modules: ``config`` (what runs where, from the environment), ``components`` (the
infrastructure in start order), ``stack`` (the services, supervised), ``processes`` (one child
process and its log), ``status`` (what the stack records in ``.run/`` and what answers),
``commands`` (``run``, ``up``, ``down``), ``paths`` (the files under ``.run/``) and
``__main__`` (the command line).
"""
