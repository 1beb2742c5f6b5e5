# The suite's developer entry points. `make run` and `make test` are the README's two commands.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROTOS := $(shell find protos -name '*.proto')

.PHONY: install protos protos-check lint test test-unit run bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Generated code is committed (a fresh clone imports it at once); `make protos-check` fails on drift.
protos: $(STAMP)
	mkdir -p libs/cdp/api && find libs/cdp/api -name '*_pb2*.py*' -delete
	$(BIN)/python -m grpc_tools.protoc -I protos --python_out=libs --pyi_out=libs --grpc_python_out=libs $(PROTOS)

protos-check: protos
	git diff --exit-code -- libs/cdp/api

lint: $(STAMP)
	$(BIN)/buf lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP)
	$(BIN)/python -m pytest -q

run: $(STAMP)
	$(BIN)/cdp up

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .cdp .pytest_cache
