# Shortcuts for the scripts under scripts/, which are what the README documents.
.PHONY: run test console lint

run:
	./scripts/run

test:
	./scripts/test

console:
	./scripts/run console --temp

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
