"""Flask extensions, created unbound and bound to the app in create_app."""

from __future__ import annotations

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from pgadmin_lite.web.csrf import CSRFProtect


class Base(DeclarativeBase):
    """Declarative base of every config-DB table."""


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
