from tests import workers

workers.isolate()  # before any test module imports config (see tests/workers.py)
