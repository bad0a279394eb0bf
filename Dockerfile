# Backend image: the API, Socket.IO and the in-process job workers (gunicorn, threaded worker).
FROM python:3.11-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt requirements-nodeps.txt ./
RUN pip install --no-cache-dir -r requirements.txt \
 && pip install --no-cache-dir --no-deps -r requirements-nodeps.txt

COPY backend backend
COPY criteria criteria
COPY migrations migrations

ENV DATA_DIR=/data APP_ENV=production
VOLUME ["/data"]
EXPOSE 5000
# One process: the JobManager and Socket.IO rooms live in it; threads serve HTTP and websockets.
CMD ["gunicorn", "-k", "gthread", "-w", "1", "--threads", "32", "-b", "0.0.0.0:5000", "--timeout", "0", "backend.wsgi:app"]
