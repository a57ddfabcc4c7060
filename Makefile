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
KERNEL := edm-stance
KERNEL_NAME := Python (edm-stance)
# Strip notebook outputs on `git add` (nbstripout as a git filter, declared for *.ipynb in
# .gitattributes), so that JupyterLab's autosaves never reach a commit. The command is
# relative to the checkout's root, where git runs filters: each clone uses its own .venv.
NBSTRIPOUT := $(VENV)/bin/python -m nbstripout
STRIP_KEYS := metadata.language_info metadata.widgets metadata.papermill cell.metadata.papermill cell.metadata.execution

.PHONY: install test report lab kernel git-filter clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(MAKE) --no-print-directory kernel git-filter
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q

report: $(STAMP)
	$(VENV)/bin/edm-stance report $(ARTICLE) -o $(REPORT_DIR)

lab: $(STAMP) kernel git-filter
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

# The kernel the notebooks name in their metadata: this virtualenv's Python.
kernel:
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "$(KERNEL_NAME)" >/dev/null

git-filter:
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git config filter.nbstripout.clean '$(NBSTRIPOUT)' && \
	  git config filter.nbstripout.smudge cat && \
	  git config filter.nbstripout.extrakeys '$(STRIP_KEYS)' && \
	  git config diff.ipynb.textconv '$(NBSTRIPOUT) -t' && \
	  echo "git: notebook outputs are stripped on commit (nbstripout filter)"; \
	fi

clean:
	rm -rf $(VENV) reports
