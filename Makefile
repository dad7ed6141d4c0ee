# steer_ros: the README's commands. Each target runs `make setup` first, which is
# idempotent and takes a few seconds when nothing changed.
SHELL := /bin/bash
IN_ENV := tools/in_env.sh
PYTEST_ARGS ?=
# The ROS 2 distro of the environment: jazzy (.venv, build/, install/) or kilted
# (.venv-kilted, build-kilted/, install-kilted/), e.g. `make test DISTRO=kilted`.
# Unset: the sourced ROS 2's, else jazzy (tools/distro.sh).
DISTRO ?= $(or $(ROS_DISTRO),jazzy)
export DISTRO
VENV := $(if $(filter jazzy,$(DISTRO)),.venv,.venv-$(DISTRO))

.PHONY: setup setup-env test test-fast lint demo bench clean help

help:
	@echo "make setup   build .venv (ROS 2 Jazzy wheels or the sourced ROS 2) and colcon build"
	@echo "             DISTRO=kilted: the Kilted wheels, in .venv-kilted / install-kilted (any target)"
	@echo "make test    run the test suite (pytest, real DDS)"
	@echo "make test-fast  the ROS-free tests only (no colcon build, no DDS), under a minute"
	@echo "make lint    ruff over the whole tree (configuration: ruff.toml)"
	@echo "make demo    run the node graph through P1..P4 and a gain reversal"
	@echo "make bench   print the benchmarks (ratios against the baselines)"
	@echo "make experiments  reproduce the paper's section IV (out/experiments, docs/experiments.md)"
	@echo "make faults  run the fault drills and print the fault table"
	@echo "make eval    score the rules backend on the public policy suite (out/eval, docs/eval.md)"
	@echo "make soak    run the load drill for 10 minutes, RSS per node at start and end (SOAK_ROW=load_1khz_jakes: fading)"

setup:
	@bash tools/setup.sh

setup-env:
	@bash tools/setup.sh --no-build

test: setup
	@STEER_ROS_REQUIRE_ROS=1 $(IN_ENV) python -m pytest test $(PYTEST_ARGS)

# The ROS-free core and tooling: no colcon build, no install space, no DDS; leaves out
# the tests marked ros or slow.
test-fast: setup-env
	@$(VENV)/bin/python -m pytest test -m "not ros and not slow" -q $(PYTEST_ARGS)

lint: setup-env
	@$(VENV)/bin/ruff check .

demo: setup
	@$(IN_ENV) steer-ros demo

bench: setup
	@mkdir -p out/bench
	@set -e; for f in bench/bench_*.py; do echo "### $$f"; OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(IN_ENV) python $$f; done

clean:
	rm -rf build install log build-kilted install-kilted log-kilted out

# The paper's section IV: step-locked and through the live graph; writes
# out/experiments/ and regenerates docs/experiments.md.
.PHONY: experiments
experiments: setup
	@$(IN_ENV) steer-ros experiment policies --through-graph --docs docs/experiments.md
	@$(IN_ENV) steer-ros experiment reversal --through-graph --docs docs/experiments.md
	@$(IN_ENV) steer-ros experiment tracking --through-graph --docs docs/experiments.md

# Fault drills (docs/failures.md): every LLM, message, node and load fault,
# one at a time; prints the table and writes out/faults/faults.json. `make soak` runs
# the load row for 10 minutes and reports RSS per node at its start and end (not in CI).
SOAK_S ?= 600
# The load row the soak runs: load_1khz_n4096 (N = 4096 at 1 kHz) or load_1khz_jakes
# (the real channel_sim, jakes fading at 1 kHz, N = 8), e.g. `make soak SOAK_ROW=load_1khz_jakes`.
SOAK_ROW ?= load_1khz_n4096

.PHONY: faults soak

faults: setup
	@mkdir -p out/faults
	@$(IN_ENV) steer-ros faults --out out/faults

soak: setup
	@mkdir -p out/faults
	@$(IN_ENV) steer-ros faults --soak $(SOAK_S) --only $(SOAK_ROW) --out out/faults

# Navigator scorecard (steer-ros eval): the rules backend on the public policy suite,
# step-locked; writes out/eval/rules/ and regenerates docs/eval.md.
.PHONY: eval
eval: setup
	@$(IN_ENV) steer-ros eval --out out/eval/rules --docs docs/eval.md
