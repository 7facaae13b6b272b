# The two commands a new user needs: `make run` and `make test`.
CARGO ?= cargo
export RUST_BACKTRACE ?= 1

.PHONY: run test build-linted fmt fmt-check lint deps-check unit-and-sqlite postgres-tests client-check fuzz pg-up openapi bench clean

## run: start the API on 127.0.0.1:8080 over ./data/crm.db (created and migrated)
run:
	$(CARGO) run -p api --bin crm -- serve

## test: everything CI runs: format, lints, dependency direction, unit tests,
## the HTTP tests on SQLite, then again on PostgreSQL (started or installed).
## Clippy lints the workspace while it is compiled for the tests (clippy-driver
## as cargo's workspace wrapper, as `cargo clippy` itself runs it), so the
## dependencies are compiled once instead of checked, then compiled again:
## about four minutes less from a clean checkout on the 2-core machine.
test: export RUSTC_WORKSPACE_WRAPPER = $(CLIPPY_DRIVER)
test: export CLIPPY_ARGS = -D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
# one clean build: incremental compilation's bookkeeping would only cost
test: export CARGO_INCREMENTAL = 0
test: fmt-check deps-check build-linted unit-and-sqlite client-check fuzz postgres-tests

CLIPPY_DRIVER := $(shell rustup which clippy-driver 2>/dev/null || command -v clippy-driver)

## build-linted: every target built for the tests, failing on any clippy
## warning when run under `make test` (which sets the wrapper). `--tests
## --benches`, not `--all-targets`: the latter also builds the api and
## persistence libraries as unit-test binaries, which they are not (their
## unit tests live in tests/http/unit), and so compiles each a second time.
build-linted:
	@test -n "$(CLIPPY_DRIVER)" || { echo "clippy-driver is missing: rustup component add clippy" >&2; exit 1; }
	$(CARGO) test --workspace --tests --benches --no-run

fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## deps-check: domain must depend on neither diesel nor actix-web
deps-check:
	@if $(CARGO) tree -p domain -e normal,build --prefix none | grep -E '^(diesel|actix-web|actix-http) '; then \
		echo "deps-check: domain depends on a database or web crate" >&2; exit 1; \
	else echo "deps-check: domain is free of diesel and actix-web"; fi

unit-and-sqlite:
	CRM_TEST_BACKEND=sqlite $(CARGO) test --workspace

## client-check: the OpenAPI document validates, and a Python client generated
## from the served document runs a scenario unedited (tools from PyPI, in target/)
client-check:
	CARGO=$(CARGO) ./scripts/client-check.sh

## fuzz: schemathesis (seeded, bounded) against the real server on SQLite and
## on PostgreSQL, side by side; see tests/fuzz/hooks.py for what it checks
fuzz: pg-up
	CARGO=$(CARGO) ./scripts/fuzz.sh sqlite & sqlite=$$!; \
	CARGO=$(CARGO) ./scripts/fuzz.sh postgres; postgres=$$?; \
	wait $$sqlite; sqlite=$$?; \
	test $$sqlite -eq 0 && test $$postgres -eq 0

pg-up:
	./scripts/pg-up.sh

postgres-tests: pg-up
	CRM_TEST_BACKEND=postgres $(CARGO) test --workspace --test http

## bench: benchmarks (release build), results in docs/benchmarks.md; never part of `make test`
bench: pg-up
	$(CARGO) bench -p crm-tests --bench lead_import
	$(CARGO) bench -p crm-tests --bench similar_names
	$(CARGO) bench -p crm-tests --bench handover
	$(CARGO) bench -p crm-tests --bench reports
	$(CARGO) bench -p crm-tests --bench soak
	$(CARGO) bench -p crm-tests --bench load

## openapi: regenerate the committed spec from the code
openapi:
	$(CARGO) run -q -p api --bin crm -- openapi > openapi/openapi.json

clean:
	$(CARGO) clean
