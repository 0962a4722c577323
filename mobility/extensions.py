"""Flask extensions, created unbound; `create_app` binds them to an app."""
from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from mobility.client import client_ip
from mobility.db import Base

db = SQLAlchemy(model_class=Base)
# The base class of every table. `db.Model` is made at run time (a subclass of Base with Flask-SQLAlchemy's
# mixin), which mypy cannot follow: it reads Base itself.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
# Limits are declared on the routes that need them; nothing is limited by default.
limiter = Limiter(key_func=client_ip, default_limits=[])
