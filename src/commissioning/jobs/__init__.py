"""Long work outside the web process: the task queue's worker (Django's tasks framework through
the ``django-tasks`` backport, jobs stored in the database by ``django-tasks-db``), its
heartbeat, the recovery of jobs whose worker died, and what the health endpoint reports of it
(decision 051); and the jobs people start (``Job``): their progress and cancellation as a task
reports them (``progress``), their life in the worker, stored once (``running``), their page
and the API's view of them, each sort registered by the app that owns it (``kinds``).
"""
