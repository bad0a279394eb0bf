"""Production entry point: `gunicorn -k gthread -w 1 --threads 32 backend.wsgi:app`.

One process (the JobManager and Socket.IO rooms live in it); threads serve requests and
websockets (simple-websocket). More processes would need the Redis message queue.
"""

from backend.app import create_app
from backend.runtime import start_runtime, upgrade_database

app = create_app()
upgrade_database(app)
start_runtime(app)
