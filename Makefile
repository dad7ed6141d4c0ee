# steer_ros: the README's commands. Each target runs `make setup` first, which is
# idempotent and takes a few seconds when nothing changed.
SHELL := /bin/bash
IN_ENV := tools/in_env.sh
PYTEST_ARGS ?=

.PHONY: setup test demo bench clean help

help:
	@echo "make setup   build .venv (ROS 2 Jazzy wheels or the sourced ROS 2) and colcon build"
	@echo "make test    run the test suite (pytest, real DDS)"
	@echo "make demo    run the node graph through P1..P4 and a gain reversal"
	@echo "make bench   print the benchmarks (ratios against the baselines)"
	@echo "make experiments  reproduce the paper's section IV (out/experiments, docs/experiments.md)"
	@echo "make faults  run the fault drills and print the fault table"
	@echo "make soak    run the load drill for 10 minutes, RSS per node at start and end"

setup:
	@bash tools/setup.sh

test: setup
	@STEER_ROS_REQUIRE_ROS=1 $(IN_ENV) python -m pytest test $(PYTEST_ARGS)

demo: setup
	@$(IN_ENV) steer-ros demo

bench: setup
	@mkdir -p out/bench
	@set -e; for f in bench/bench_*.py; do echo "### $$f"; OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(IN_ENV) python $$f; done

clean:
	rm -rf build install log out

# The paper's section IV (issue 6): step-locked and through the live graph; writes
# out/experiments/ and regenerates docs/experiments.md.
.PHONY: experiments
experiments: setup
	@$(IN_ENV) steer-ros experiment policies --through-graph --docs docs/experiments.md
	@$(IN_ENV) steer-ros experiment reversal --through-graph --docs docs/experiments.md
	@$(IN_ENV) steer-ros experiment tracking --docs docs/experiments.md

# Fault drills (issue 8): every LLM, message, node and load fault, one at a time; prints
# the table and writes out/faults/faults.json. `make soak` runs the load row for 10
# minutes and reports RSS per node at its start and end (not in CI).
SOAK_S ?= 600

.PHONY: faults soak

faults: setup
	@mkdir -p out/faults
	@$(IN_ENV) steer-ros faults --out out/faults

soak: setup
	@mkdir -p out/faults
	@$(IN_ENV) steer-ros faults --soak $(SOAK_S) --out out/faults
