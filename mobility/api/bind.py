"""Binding the API to an app: token checks, the id converter, the blueprints and their OpenAPI document."""
from __future__ import annotations

from flask import Flask

from mobility.api import auth, spec, views_office, views_public
from mobility.api.setup import IdConverter, id_parameter_schema


def init_app(app: Flask) -> None:
    auth.init_app(app)
    app.url_map.converters["int_id"] = IdConverter
    spec.init_app(app, [views_public.bp, views_office.bp], converters={IdConverter: id_parameter_schema})
