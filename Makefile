# minic: `make run` for the demo, `make test` for the whole suite (as root).
# Each target installs what it needs: Bun from npm, Debian packages with apt-get.

BUN      := node_modules/.bin/bun
TSC      := node_modules/.bin/tsc
SOURCES  := $(shell find src ffi -type f) package.json
ROOTFS   ?= rootfs

# Debian packages each target needs; installed only when missing.
TEST_DEBS  := busybox-static util-linux tmux procps
BENCH_DEBS := busybox-static runc hyperfine util-linux

define need_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

.PHONY: all deps build check test bench run clean

all: build

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: node_modules/.installed

minic: node_modules/.installed $(SOURCES)
	$(BUN) build --compile --bytecode --format=esm src/main.ts --outfile minic

build: minic

# Type-check and the unit tests: no root, no containers.
check: deps
	$(TSC) --noEmit -p .
	$(BUN) test test/unit

# Everything, against real containers: needs root.
test: check minic
	$(call need_debs,$(TEST_DEBS))
	$(BUN) test test/integration

bench: minic
	$(call need_debs,$(BENCH_DEBS))
	$(BUN) bench/run.ts
	$(BUN) bench/tty.ts

# The demo. Until `minic build` lands, the rootfs is assembled from the host's static busybox.
run: minic
	$(call need_debs,busybox-static)
	$(BUN) test/support/rootfs.ts $(ROOTFS) >/dev/null
	./minic run --rm --rootfs $(ROOTFS) --hostname minic-demo /bin/sh -c \
		'echo "Hello from container!"; echo "hostname: $$(hostname)"; echo "pid: $$$$"; echo "mounts:"; cut -d" " -f5,9 /proc/self/mountinfo | sed "s/^/  /"'

clean:
	rm -rf minic .cache node_modules/.installed
