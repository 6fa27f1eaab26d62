# ocrmesh: `make up` runs the system, `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
EVAL_LINES := ../shared/evaldata/dev/lines/manifest.jsonl
EVAL_PAGES := ../shared/evaldata/dev/pages/manifest.jsonl

.PHONY: install web up test lint bench train-recognizer train-detector eval clean delivery-tools images images-test bench-reliability bench-search bench-documents bench-quality bench-throughput learn

install: $(VENV)/.installed web

# The front end and the docs portal (npm ci, generated API client, Vite build); a no-op when nothing changed.
web: $(VENV)/.installed
	bash scripts/build-web.sh

$(VENV)/.installed: constraints.txt requirements-dev.txt scripts/install.sh scripts/apt-packages.txt */pyproject.toml services/*/pyproject.toml
	bash scripts/install.sh
	touch $@

up: install
	$(PY) scripts/up.py

test: install
	bash scripts/infra.sh
	bash scripts/delivery-tools.sh
	$(PY) -m pytest

# helm, hadolint, shellcheck and kubernetes-validate for the delivery tests (offline once fetched).
delivery-tools:
	bash scripts/delivery-tools.sh

# Container images without a Docker engine (buildah + podman, as root; minutes, not part of make test):
# all six, on local bases where no container registry is reachable; prints each image's size.
images:
	bash scripts/build-images.sh --smoke all

# Builds the six (tag test) and runs the whole mesh from them against this host's PostgreSQL and RabbitMQ.
images-test: install
	OCRMESH_IMAGE_TESTS=1 $(PY) -m pytest tests/delivery/test_image_build.py

lint: install
	$(VENV)/bin/ruff check common ml cli services bench scripts tests docker

bench: install
	$(PY) bench/recognition.py --manifest $(EVAL_LINES)
	$(PY) bench/pages.py --manifest $(EVAL_PAGES)

# Page reading quality: ocrmesh and Tesseract on the dev pages, scored by the same rules (about 2 minutes).
bench-quality: install
	$(PY) bench/page_quality.py --manifest $(EVAL_PAGES)

# The full reliability campaign (load, faults under load, fuzzing, audits); writes docs/reliability.md.
bench-reliability: install
	bash scripts/infra.sh
	$(PY) bench/reliability/run.py

# Search latency at 100 000 stored lines in a scratch PostgreSQL database; writes the figures to docs/search.md.
bench-search: install
	bash scripts/infra.sh
	$(PY) bench/search.py --manifest $(EVAL_PAGES)

# Page orientation on the dev pages turned 0/90/180/270, then searchable PDFs: ocrmesh (CLI, OCRmyPDF plugin) beside
# OCRmyPDF with Tesseract on one PDF of the dev pages, same run (CPU-heavy: minutes; figures in docs/documents.md).
bench-documents: install
	nice -n 10 $(PY) bench/orientation.py --manifest $(EVAL_PAGES)
	nice -n 10 $(PY) bench/documents.py --manifest $(EVAL_PAGES)

# The exact commands that produced models/recognizer.pt: a run from scratch, then a fine-tune (docs/models.md).
train-recognizer: install
	$(VENV)/bin/ocrmesh train recognizer --out runs/recognizer --hours 2.0 --steps 30000 --threads 1 --workers 1 \
		--eval-every 500 --eval-manifest $(EVAL_LINES)
	$(VENV)/bin/ocrmesh export recognizer --checkpoint runs/recognizer/recognizer.pt --out runs/recognizer-base.pt
	$(VENV)/bin/ocrmesh train recognizer --init runs/recognizer-base.pt --out runs/recognizer-ft --lr 5e-4 --warmup 100 \
		--seed 4321 --hours 1.1 --steps 30000 --threads 1 --workers 1 --eval-every 500 --eval-manifest $(EVAL_LINES)
	$(VENV)/bin/ocrmesh export recognizer --checkpoint runs/recognizer-ft/recognizer.pt --out models/recognizer.pt

# The exact command that produced models/detector.pt (see docs/models.md).
train-detector: install
	$(VENV)/bin/ocrmesh train detector --out runs/detector --hours 1.2 --steps 40000 --threads 1 --workers 1 \
		--eval-every 500 --eval-manifest $(EVAL_PAGES)
	$(VENV)/bin/ocrmesh export detector --checkpoint runs/detector/detector.pt --out models/detector.pt

# Pages/s, latency percentiles, CPU and peak memory per service of the mesh under 8 and 16 closed-loop clients, beside
# rapidocr-api (PyPI, in a virtualenv of its own under /var/tmp/ocrmesh-peer) on the same dev pages, same run
# (CPU-heavy: about 8 minutes; figures in docs/performance.md).
bench-throughput: install
	bash scripts/infra.sh
	nice -n 10 $(PY) bench/throughput.py --manifest $(EVAL_PAGES)

# The learning-from-corrections loop on the real SROIE receipts (bench/learning.py; writes docs/learning.md).
learn: install
	bash scripts/infra.sh
	$(PY) bench/learning.py

eval: install
	$(VENV)/bin/ocrmesh eval --manifest $(EVAL_LINES)
	$(VENV)/bin/ocrmesh eval --manifest $(EVAL_PAGES)

clean:
	rm -rf $(VENV) .pytest_cache services/frontend/dist services/docs-portal/dist \
		services/frontend/node_modules services/docs-portal/node_modules tests/e2e/node_modules
