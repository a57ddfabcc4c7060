# Two commands do everything on a fresh machine:
#   make report   install (first time), then run the notebooks on an article into reports/<article_id>/
#   make test     install (first time), then run the test suite
# and `make lab` opens the notebooks in JupyterLab with the project's kernel.
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
	$(VENV)/bin/edm-stance report $(ARTICLE) -o $(REPORT_DIR)

lab: $(STAMP)
	$(PY) -m ipykernel install --sys-prefix --name edm-stance --display-name "Python (edm-stance)"
	$(VENV)/bin/jupyter lab notebooks/

clean:
	rm -rf $(VENV) reports
