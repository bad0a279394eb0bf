"""Flask extensions, created unbound and initialised by `create_app`."""

from __future__ import annotations

from flask_bcrypt import Bcrypt
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
bcrypt = Bcrypt()
# Limits are applied explicitly where needed (failed logins), never as a global default.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
socketio = SocketIO()
