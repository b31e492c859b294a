"""Notices: what each consumed event makes notify say, and to whom — one handler module per
source (``tickets``, ``tasks``, ``cases``, ``alerts``). Handlers only record: in-app items
(sent at once, streamed after the commit) and queued SMS (sent by the delivery worker)."""
