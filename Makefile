# Two commands for a new user: `make run` (set up, build the index if needed, start the app) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install index run test eval llm-check browser soak bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first, pinned: pip takes the local CPU wheel; an unpinned torch pulls a multi-GB CUDA build
	$(PY) -m pip install -q torch==2.13.0
	# the milvus extra (pymilvus + milvus-lite) so the store contract tests run against both stores
	$(PY) -m pip install -q -e ".[dev,milvus]"
	touch $(STAMP)

install: $(STAMP)

index: install
	$(PY) -m rag build

run: install
	$(PY) app.py

test: install
	$(PY) -m pytest -q

browser: install
	$(PY) -m pytest -q -m browser

eval: install
	$(PY) -m rag eval
	$(PY) -m rag eval-profiles
	$(PY) -m rag eval-library

# 100 concurrent clients for 30 s against the app on loopback: 5xx, lost feedback, health p99, page waits
soak: install
	$(PY) -m rag.app.soak --seconds 30

# generated libraries at 1×, 10×, 100× with each store → bench/report.md (long: the 100× build embeds 8,900 nodes)
bench: install
	$(PY) -m bench.run --scales 1,10,100 --stores embedded,milvus

# The LLM path against whatever RAG_LLM_BASE_URL / RAG_LLM_MODEL point to, on every 9th eval question
# (LLM_CHECK_N of them): verified model answers, fallbacks by reason, overridden refusals, LLM vs extractive.
LLM_CHECK_N ?= 20
llm-check: install
	mkdir -p evals/out/llm-check
	awk 'NR % 9 == 1' evals/dev.jsonl | head -n $(LLM_CHECK_N) > evals/out/llm-check/questions.jsonl
	$(PY) -m rag eval --llm --questions evals/out/llm-check/questions.jsonl --out evals/out/llm-check

clean:
	rm -rf data evals/out
