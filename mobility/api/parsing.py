"""How the API reads a request's JSON: like webargs, and JSON nested deeper than Python's parser goes is the
same 422 problem as any JSON that cannot be read, never a RecursionError and a 500."""
from __future__ import annotations

from flask_smorest import abort
from webargs.flaskparser import FlaskParser

from mobility.core.text import lazy_gettext as _l


class Parser(FlaskParser):
    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            abort(400, messages={"json": [str(_l("The JSON is nested too deeply to be read."))]})
