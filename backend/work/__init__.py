"""Long-running work (CONTRACTS §12): every job run, re-render and publication is a work item of
one kind, moved as (kind, id) by one of two dispatchers.

  kinds.py      what a kind declares; claim, fence, end, give up, release, recover: written once
  rows.py       the one conditional UPDATE ("only if it is still in state X")
  registry.py   the kinds this server runs (a new kind: its module + one line there)
  job.py job_run.py reporter.py   the job kind: its transitions, its pipeline run
  rerender.py   the re-render kind          publication.py   the publication kind (YouTube upload)
  running.py    the items running in this process, and the one place an item is run
  load.py       a user's work in flight over every kind (active limit, publishing checks)
  threads.py    JOB_BACKEND=threads: the in-process pool
  celery_app.py celery_worker.py liveness.py   JOB_BACKEND=celery: the queue, the workers, heartbeats
  chores.py     periodic chores, declared once for both   setup.py   the app's backend
"""
