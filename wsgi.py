"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi run`."""
import gc

from mobility import create_app

app = create_app()

# What the app holds for its whole life (modules, mappers, routes, configuration) is never garbage: out of
# the collector's sight, a full collection takes a fraction of a millisecond instead of ~45 ms every few
# dozen requests of a large page (measured on bench/pages.py's data).
gc.collect()
gc.freeze()
