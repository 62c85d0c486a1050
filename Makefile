# minic: `make run` for the demo, `make test` for the whole suite (as root).
# Each target installs what it needs: Bun from npm, Debian packages with apt-get.

BUN      := node_modules/.bin/bun
TSC      := node_modules/.bin/tsc
SOURCES  := $(shell find src native -type f -name "*.ts" -o -type f -name "*.h") package.json
ROOTFS   ?= rootfs

# Debian packages each target needs; installed only when missing.
TEST_DEBS  := busybox-static util-linux tmux procps docker.io containerd gcc libc6-dev podman conmon tini containernetworking-plugins iproute2 iptables uidmap slirp4netns
BENCH_DEBS := busybox-static runc crun hyperfine util-linux conmon podman containernetworking-plugins iproute2 iptables
# A container's default network, the bridge, is made with these; a rootless one's with the last two.
RUN_DEBS   := containernetworking-plugins iproute2 iptables uidmap slirp4netns

define need_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

.PHONY: all deps build check test bench conformance run bash demo-fallback-rootfs clean man install uninstall

all: build

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: node_modules/.installed

# The executor runs in the cloned child; it is built once here and embedded in ./minic.
NATIVE_SOURCES := $(wildcard native/*.c)
native/executor.so: $(NATIVE_SOURCES) $(wildcard native/*.h)
	$(call need_debs,gcc)
	$(CC) -O2 -shared -fPIC -fvisibility=hidden -fno-stack-protector -Wall -Werror -o $@ $(NATIVE_SOURCES)

# --sourcemap: --debug's stack traces name src/ files and lines (the maps are embedded, read only
# then). --splitting: each command's modules are a chunk of their own, loaded when that command
# runs, so a start does not load the whole program (about 1 ms of `run`, 2-3 ms of `--version`).
# Bun writes the chunks' maps beside the output as well: built in .cache/build, those stay there.
minic: node_modules/.installed native/executor.so $(SOURCES)
	@mkdir -p .cache/build
	$(BUN) build --compile --bytecode --splitting --sourcemap --format=esm --asset-naming='[name]-[hash].[ext]' src/main.ts --outfile .cache/build/minic
	mv .cache/build/minic minic
	rm -f .cache/build/*.map

build: minic

# Type-check and the unit tests: no containers, no root. The completion tests load the scripts in
# zsh and fish: installed here when missing if make runs as root; without them those tests skip.
CHECK_DEBS := zsh fish

define want_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	elif [ -n "$$missing" ]; then echo "make: not root, so$$missing not installed: the tests that load them are skipped"; fi
endef

check: deps native/executor.so
	$(call want_debs,$(CHECK_DEBS))
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
	$(BUN) bench/detached.ts
	$(BUN) bench/network.ts

# The OCI runtime conformance suite (../shared/oci) for minic and runc side by side: each file's
# line, then both TOTAL lines together. About three minutes; builds the suite once with Go.
OCI_VALIDATE ?= ../shared/oci/validate.sh
conformance: minic
	$(call need_debs,runc)
	@mkdir -p .cache
	bash $(OCI_VALIDATE) $(CURDIR)/minic | tee .cache/conformance-minic.txt
	bash $(OCI_VALIDATE) $$(command -v runc) > .cache/conformance-runc.txt
	@echo "minic: $$(tail -1 .cache/conformance-minic.txt)"
	@echo "runc:  $$(tail -1 .cache/conformance-runc.txt)"

# The demo: build ./rootfs from Dockerfile.rootfs with a Docker engine and run app/hello.py in it.
# Without an engine or its base image (offline machines): the rootfs an earlier build left in
# $(ROOTFS), else a busybox rootfs made there with app/hello.sh, so that the README's commands,
# which name ./rootfs, work as shown either way.
run: minic
	$(call need_debs,$(RUN_DEBS))
	@mkdir -p .cache; if ./minic build --quiet --force -o $(ROOTFS) >.cache/build.id 2>.cache/build.log; then \
		echo "make run: built $(ROOTFS) from Dockerfile.rootfs with the Docker engine (image $$(cut -c8-19 .cache/build.id)); running its CMD, app/hello.py"; \
		./minic run --rm --rootfs $(ROOTFS) --hostname minic-demo; \
	elif [ -f $(ROOTFS)/.minic-rootfs ]; then \
		echo "make run: no rootfs from Docker ($$(tail -n1 .cache/build.log | sed 's/^minic: //'))"; \
		echo "make run: running the rootfs an earlier build left in $(ROOTFS)"; \
		./minic run --rm --rootfs $(ROOTFS) --hostname minic-demo; \
	else \
		echo "make run: no rootfs from Docker ($$(tail -n1 .cache/build.log | sed 's/^minic: //'))"; \
		echo "make run: falling back to a busybox rootfs in $(ROOTFS) from the host's busybox-static; running app/hello.sh"; \
		$(MAKE) --no-print-directory demo-fallback-rootfs; \
		./minic run --rm --rootfs $(ROOTFS) --hostname minic-demo /bin/sh /opt/app/hello.sh; \
	fi

# An interactive shell in the demo's rootfs (bash where the rootfs has it).
bash: minic
	$(call need_debs,$(RUN_DEBS))
	@if [ ! -f $(ROOTFS)/.minic-rootfs ]; then $(MAKE) --no-print-directory demo-fallback-rootfs; fi; \
		if [ -x $(ROOTFS)/bin/bash ]; then sh=/bin/bash; else sh=/bin/sh; fi; \
		echo "make bash: $$sh in $(ROOTFS)"; \
		./minic run -it --rm --rootfs $(ROOTFS) --hostname minic-demo $$sh

# The busybox rootfs with app/hello.sh, in $(ROOTFS) (left as it is when it is one already; a
# directory holding anything else is never replaced).
demo-fallback-rootfs: deps
	$(call need_debs,busybox-static)
	@if [ -d $(ROOTFS) ] && [ -n "$$(ls -A $(ROOTFS))" ] && [ ! -f $(ROOTFS)/bin/busybox ] && [ ! -f $(ROOTFS)/.minic-rootfs ]; then \
		echo "make: $(ROOTFS) holds something minic did not make: not replacing it (set ROOTFS=DIR)"; exit 1; fi
	@$(BUN) test/support/rootfs.ts $(ROOTFS) >/dev/null
	@mkdir -p $(ROOTFS)/opt/app && cp app/hello.sh $(ROOTFS)/opt/app/hello.sh

# Manual pages, minic(1) and minic-COMMAND(1), from the same help pages as --help.
man: minic
	@$(BUN) scripts/man-pages.ts .cache/man/man1

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, its manual pages and its completions.
PREFIX ?= /usr/local
install: minic man
	install -D -m 0755 minic $(DESTDIR)$(PREFIX)/bin/minic
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 .cache/man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	./minic completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/minic
	./minic completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_minic
	./minic completion fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/minic.fish

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/minic $(DESTDIR)$(PREFIX)/share/man/man1/minic.1 $(DESTDIR)$(PREFIX)/share/man/man1/minic-*.1
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/minic $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_minic $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/minic.fish

clean:
	rm -rf minic native/executor.so .cache node_modules/.installed
