# Shortcuts for the scripts under scripts/, which are what the README documents.
.PHONY: run test console lint bench

run:
	./scripts/run

test:
	./scripts/test

console:
	./scripts/run console --temp

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

# The benchmarks (python -m bench --help; --quick for a smoke run); one line per figure with its target.
bench:
	.venv/bin/python -m bench
