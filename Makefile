# The two commands a newcomer needs:
#   make run   - installs what is missing, then serves the API + dashboard on the embedded defaults
#   make test  - every check and test (lint, types, SQLite + PostgreSQL, dashboard, browser)
.PHONY: run test process lint bench

run:
	@scripts/run.sh

test:
	@scripts/test.sh

# make process SRC=talk.mp4 OUT=out/  - the pipeline alone, no server
process:
	@scripts/system-deps.sh run && scripts/venv.sh && .venv/bin/python -m backend process "$(SRC)" --out "$(or $(OUT),out)"

lint:
	@scripts/venv.sh dev && .venv/bin/ruff check backend tests bench migrations && .venv/bin/ruff format --check backend tests bench migrations && .venv/bin/mypy
