"""Background work (exports, assignment runs, mail delivery) on an RQ queue, with a record people can watch.

`runner` enqueues and performs jobs; `models` holds the `background_job` record (status, progress, result);
`views` shows a job's progress page to its owner and serves its file.
"""
