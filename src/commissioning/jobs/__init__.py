"""Long work outside the web process: the task queue's worker (Django's tasks framework through
the ``django-tasks`` backport, jobs stored in the database by ``django-tasks-db``), its
heartbeat, the recovery of jobs whose worker died, and what the health endpoint reports of it.
Decision 051."""
