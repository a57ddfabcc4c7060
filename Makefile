# Two commands do everything on a fresh machine:
#   make report   install (first time), then score an article and write its report
#   make test     install (first time), then run the test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ARTICLE ?= data/raw/edm-v3-i138.txt
ARTICLE_ID = $(basename $(notdir $(ARTICLE)))
REPORT_DIR = reports/$(ARTICLE_ID)

.PHONY: install test report lab clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q

report: $(STAMP)
	mkdir -p $(REPORT_DIR)
	$(VENV)/bin/edm-stance score $(ARTICLE) -o $(REPORT_DIR)/stance.csv

clean:
	rm -rf $(VENV) reports
