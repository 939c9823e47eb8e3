# The two commands of the README: `make run` and `make test`. Both install what is missing.
SWIFT ?= swift
PIPELINE ?= pipelines/emnist.yaml
INPUT ?= samples
OUTPUT ?= out

.PHONY: setup build run test

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build -c release --product glyphprep

run: build
	.build/release/glyphprep run $(PIPELINE) $(INPUT) -o $(OUTPUT) --no-progress

test: setup
	$(SWIFT) test
