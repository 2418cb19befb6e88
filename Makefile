# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-long lint bench clean tools fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the project's metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/spoolsim run scenarios/office-day.toml

test: $(STAMP) tools
	$(BIN)/python -m pytest -q

# The real clients the device tests drive (Debian packages): nc (netcat-openbsd), rlpr, and lpr
# with its lpd. Installed only when missing; without apt (or root/sudo) the tests that need
# them are skipped. Debian's lpd listens on no TCP port by default (-s in /etc/default/lpd).
# ipptool (cups-ipp-utils) runs its standard IPP test files against the IPP endpoint, and headless
# chromium drives the printers' web pages; their tests are skipped when these are missing.
# Debian's prometheus serves tests/metrics/test_prometheus.py, which starts its own server on a
# free port: under systemd the package's postinst starts prometheus.service, so it is stopped and
# disabled again at once; without systemd (containers, policy-rc.d) nothing starts.
# Samba's rpcclient (smbclient) talks MS-RPRN to `spoolsim serve --rpc` in tests/net/test_rpcclient.py.
SUDO := $(if $(filter 0,$(shell id -u)),,$(shell command -v sudo))
tools:
	@command -v nc >/dev/null && command -v rlpr >/dev/null && command -v lpr >/dev/null || \
	  ( $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq netcat-openbsd lpr rlpr ) || \
	  echo "make tools: could not install netcat-openbsd, lpr, rlpr; their tests will be skipped"
	@command -v ipptool >/dev/null && command -v chromium >/dev/null || \
	  ( $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      cups-ipp-utils chromium ) || \
	  echo "make tools: could not install cups-ipp-utils, chromium; their tests will be skipped"
	@command -v prometheus >/dev/null || \
	  ( $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      prometheus && \
	    if [ -d /run/systemd/system ]; then $(SUDO) systemctl disable --now prometheus; fi ) || \
	  echo "make tools: could not install prometheus; the real-Prometheus test will be skipped"
	@command -v rpcclient >/dev/null || \
	  ( $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      smbclient ) || \
	  echo "make tools: could not install smbclient (rpcclient); its tests will be skipped"

# The sequencing state machine at thousands of steps.
test-long: $(STAMP)
	$(BIN)/python -m pytest -q --hypothesis-profile=long tests/rpc/test_sequencing.py

# Hostile input (benchmarks/fuzz): 100,000 generated inputs through every codec and 100,000 over
# real sockets to each front end of one `spoolsim serve --rpc --epm --expose-devices` process;
# fails on any crash, a front end that stops answering, or server memory over its budget.
fuzz: $(STAMP)
	$(BIN)/python -m benchmarks.fuzz

lint: $(STAMP)
	$(BIN)/ruff check spoolsim devices tests benchmarks
	$(BIN)/ruff format --check spoolsim devices tests benchmarks

# One run per figure: the wire path's reference run alone takes about four minutes.
bench: $(STAMP)
	$(BIN)/python -m benchmarks --repeat 1

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
