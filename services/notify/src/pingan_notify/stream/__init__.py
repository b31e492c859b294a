"""The live stream: Server-Sent Events of new inbox items, scoped like the inbox, resumed from
``Last-Event-ID``, fanned out in-process and across replicas."""
