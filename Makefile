# scaleplan: one GNU Makefile.
#
#   make                 build ./scaleplan (installs missing system packages first)
#   make check           build and run every test (unit, golden CLI, bad-input corpus, end-to-end)
#   make readme          run the console sessions of README.md and docs/*.md and compare their output
#   make demo            run the main job on the embedded default example
#   make bench           benchmarks (generated specs; time and peak memory)
#   make install PREFIX=/usr/local DESTDIR=
#   WERROR=1             warnings are errors (CI)
#   SANITIZE=address,undefined   sanitizer build (use a separate O=)
#   O=build-dir          out-of-tree build folder (default: build)
#   V=1                  show full commands

SRCDIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
O ?= build
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/scaleplan
VERSION := 0.1.0

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := yaml-0.1 libgit2 libcurl libcgraph libgvc jansson
TEST_PKGS := check

# Debian packages that provide the pkg-config modules above (make deps installs them).
DEB_PKGS := pkg-config libyaml-dev libgit2-dev libcurl4-openssl-dev libgraphviz-dev graphviz \
            libjansson-dev check

ifneq ($(V),1)
Q := @
endif

# pkg-config is asked lazily so that 'make deps' can run before the packages exist.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual -Wstrict-prototypes \
        -Wmissing-prototypes -Wformat=2 -Wvla -Wno-unused-parameter
CSTD := -std=c11 -D_GNU_SOURCE
OPT ?= -O2 -g
ifeq ($(WERROR),1)
WARN += -Werror
endif
ifneq ($(SANITIZE),)
SAN := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
# every allocation goes straight to malloc so the sanitizer sees each one
SAN_DEFS := -DSP_ARENA_DEBUG
OPT := -O1 -g
endif

CPPFLAGS_ALL = -I$(SRCDIR) -DSP_VERSION='"$(VERSION)"' -DSP_DATADIR='"$(DATADIR)"' $(SAN_DEFS) $(CPPFLAGS)
CFLAGS_ALL = $(CSTD) $(OPT) $(WARN) $(SAN) -MMD -MP $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SAN) $(LDFLAGS)
LIBS_ALL = $(PKG_LIBS) -lm -lpthread $(LIBS)

# Sanitizer runtime settings for every test: a sanitizer report gets its own
# exit code (never 1, which the corpus expects for a clean error), and leaks
# inside Graphviz's plugin loader are suppressed (tests/lsan.supp).
export ASAN_OPTIONS ?= exitcode=86:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS ?= suppressions=$(SRCDIR)/tests/lsan.supp:print_suppressions=0:exitcode=87

LIB_SRC := $(sort $(wildcard $(SRCDIR)/lib/*.c))
MODEL_SRC := $(sort $(wildcard $(SRCDIR)/model/*.c))
PROV_SRC := $(sort $(wildcard $(SRCDIR)/providers/*.c))
PLAN_SRC := $(sort $(filter-out $(SRCDIR)/planner/main.c,$(wildcard $(SRCDIR)/planner/*.c)))
TEST_SRC := $(sort $(wildcard $(SRCDIR)/tests/unit/*.c))
BENCH_SRC := $(sort $(wildcard $(SRCDIR)/bench/*.c))

obj = $(patsubst $(SRCDIR)/%.c,$(O)/obj/%.o,$(1))
CORE_OBJ := $(call obj,$(LIB_SRC) $(MODEL_SRC) $(PROV_SRC) $(PLAN_SRC))
MAIN_OBJ := $(call obj,$(SRCDIR)/planner/main.c)
TEST_OBJ := $(call obj,$(TEST_SRC))
BENCH_BINS := $(patsubst $(SRCDIR)/bench/%.c,$(O)/bench/%,$(BENCH_SRC))

BIN := $(O)/scaleplan
TESTBIN := $(O)/tests/unit-tests

# keep intermediate objects (bench/*.o) so `make bench` does not rebuild them
.SECONDARY:

.PHONY: all deps build-deps test-deps check unit golden corpus e2e demo bench install uninstall clean distclean
all: $(BIN)
	$(Q)if [ "$(O)" = build ]; then ln -sf build/scaleplan $(SRCDIR)/scaleplan; fi

# ---- system packages -------------------------------------------------------
# A no-op when pkg-config finds every module; otherwise apt-get installs the Debian packages.
# test-deps adds the servers the tests start (etcd, python3, json-server under .deps/).
deps: build-deps test-deps
build-deps:
	$(Q)sh $(SRCDIR)/.ci/deps.sh "$(PKGS) $(TEST_PKGS)" "$(DEB_PKGS)"
DEPSDIR ?= $(SRCDIR)/.deps
test-deps:
	$(Q)sh $(SRCDIR)/.ci/test-deps.sh $(DEPSDIR)
# what the tests find the servers by
export SP_JSON_SERVER := $(DEPSDIR)/node_modules/.bin/json-server

# ---- build -----------------------------------------------------------------
$(O)/obj/%.o: $(SRCDIR)/%.c | build-deps
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $*.c")
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c -o $@ $<

$(O)/libscaleplan.a: $(CORE_OBJ)
	$(if $(Q),@echo "  AR      $(notdir $@)")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(O)/libscaleplan.a
	$(if $(Q),@echo "  LD      $(notdir $@)")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_ALL)

$(O)/obj/tests/unit/%.o: CFLAGS_ALL += $(CHECK_CFLAGS)
$(TESTBIN): $(TEST_OBJ) $(O)/libscaleplan.a
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  LD      $(notdir $@)")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CHECK_LIBS) $(LIBS_ALL)

$(O)/bench/%: $(O)/obj/bench/%.o $(O)/libscaleplan.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_ALL)

# ---- tests -----------------------------------------------------------------
check: unit golden corpus e2e
	@echo "make check: all test groups passed"

# Check's default of 4 s a test is too short for the sanitizer build while the
# end-to-end tests sync files beside it (make -j2): a test that hangs is still
# stopped, after a minute.
CK_DEFAULT_TIMEOUT ?= 60
unit: $(TESTBIN) $(BIN) | test-deps
	$(Q)CK_DEFAULT_TIMEOUT=$(CK_DEFAULT_TIMEOUT) SP_SRCDIR=$(SRCDIR) SP_BIN=$(abspath $(BIN)) $(TESTBIN)

golden: $(BIN)
	$(Q)sh $(SRCDIR)/tests/golden.sh $(abspath $(BIN)) $(SRCDIR)/tests/golden

corpus: $(BIN)
	$(Q)sh $(SRCDIR)/tests/corpus.sh $(abspath $(BIN)) $(SRCDIR)/tests/bad
	$(Q)sh $(SRCDIR)/tests/special-files.sh $(abspath $(BIN)) $(SRCDIR)

# tests/e2e.sh (local backend and provider) and each tests/e2e-*.sh (one per
# remote part: each starts its servers on loopback, on free ports, in its own
# scratch folder, and stops them), each a target of its own so that make -j runs
# them side by side (they wait on servers and fsync more than they compute);
# --output-sync keeps each script's lines together.
# (E2E_EXTRA="" or a list narrows it: .ci/run's sanitizer pass)
E2E_EXTRA ?= $(sort $(wildcard $(SRCDIR)/tests/e2e-*.sh))
E2E_RUNS := e2e-run/e2e.sh $(addprefix e2e-run/,$(notdir $(E2E_EXTRA)))
MAKEFLAGS += --output-sync=target
.PHONY: $(E2E_RUNS)
e2e: $(E2E_RUNS)
$(E2E_RUNS): e2e-run/%: $(BIN) | test-deps
	$(Q)sh $(SRCDIR)/tests/$* $(abspath $(BIN)) $(SRCDIR)

# The spec's JSON Schema (docs/scaleplan.schema.json) against the loader:
# tests/schema_check.py, with a YAML-to-JSON tool that also runs the loader alone.
YAML2JSON := $(O)/tests/yaml2json
$(YAML2JSON): $(O)/obj/tests/yaml2json.o $(O)/libscaleplan.a
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  LD      $(notdir $@)")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_ALL)
.PHONY: schema
schema: $(YAML2JSON) $(BIN) | test-deps
	$(Q)python3 $(SRCDIR)/tests/schema_check.py $(abspath $(YAML2JSON)) $(SRCDIR) $(abspath $(BIN))
check: schema
# tests/e2e-ci.sh reads the CI examples through it
e2e: $(YAML2JSON)

# The console sessions of README.md and docs/*.md, run in a scratch folder and
# compared byte for byte (tests/readme_check.py; UPDATE=1 rewrites their outputs).
.PHONY: readme
readme: $(BIN)
	$(Q)python3 $(SRCDIR)/tests/readme_check.py --self-test
	$(Q)python3 $(SRCDIR)/tests/readme_check.py $(abspath $(BIN)) $(SRCDIR)
check: readme

# ---- demo and bench --------------------------------------------------------
demo: $(BIN)
	$(Q)sh $(SRCDIR)/.ci/demo.sh $(abspath $(BIN)) $(SRCDIR)

bench: $(BIN) $(BENCH_BINS)
	$(Q)sh $(SRCDIR)/bench/run.sh $(abspath $(BIN)) $(abspath $(O))/bench

# ---- install ---------------------------------------------------------------
# The manual and the completion scripts are written by the binary from its
# command table (scaleplan help --man, scaleplan completion bash|zsh), so a new
# command or option appears in them with no other step.
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/scaleplan
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
GEN_MAN := $(O)/share/scaleplan.1
GEN_BASH := $(O)/share/scaleplan.bash
GEN_ZSH := $(O)/share/_scaleplan

$(GEN_MAN): $(BIN)
	@mkdir -p $(dir $@)
	$(Q)$(BIN) help --man >$@.tmp && mv $@.tmp $@
$(GEN_BASH): $(BIN)
	@mkdir -p $(dir $@)
	$(Q)$(BIN) completion bash >$@.tmp && mv $@.tmp $@
$(GEN_ZSH): $(BIN)
	@mkdir -p $(dir $@)
	$(Q)$(BIN) completion zsh >$@.tmp && mv $@.tmp $@

install: $(BIN) $(GEN_MAN) $(GEN_BASH) $(GEN_ZSH)
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(DATADIR)/catalogs" "$(DESTDIR)$(DATADIR)/examples" \
	  "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(BASHCOMPDIR)" "$(DESTDIR)$(ZSHCOMPDIR)" "$(DESTDIR)$(DOCDIR)"
	install -m 755 $(BIN) "$(DESTDIR)$(BINDIR)/scaleplan"
	install -m 644 $(GEN_MAN) "$(DESTDIR)$(MANDIR)/man1/scaleplan.1"
	install -m 644 $(GEN_BASH) "$(DESTDIR)$(BASHCOMPDIR)/scaleplan"
	install -m 644 $(GEN_ZSH) "$(DESTDIR)$(ZSHCOMPDIR)/_scaleplan"
	install -m 644 $(SRCDIR)/docs/scaleplan.schema.json "$(DESTDIR)$(DATADIR)/scaleplan.schema.json"
	install -m 644 $(SRCDIR)/docs/*.md $(SRCDIR)/docs/scaleplan.schema.json $(SRCDIR)/README.md \
	  $(SRCDIR)/LICENSE "$(DESTDIR)$(DOCDIR)/"
	install -m 644 $(SRCDIR)/examples/*.yaml "$(DESTDIR)$(DATADIR)/examples/"
	for d in $(SRCDIR)/examples/*/; do \
	  n=$$(basename "$$d"); install -d "$(DESTDIR)$(DATADIR)/examples/$$n" || exit 1; \
	  for f in "$$d"*; do [ -f "$$f" ] || continue; \
	    install -m 644 "$$f" "$(DESTDIR)$(DATADIR)/examples/$$n/" || exit 1; done; \
	done
	if ls $(SRCDIR)/catalogs/*.json >/dev/null 2>&1; then \
	  install -m 644 $(SRCDIR)/catalogs/*.json "$(DESTDIR)$(DATADIR)/catalogs/"; fi

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/scaleplan" "$(DESTDIR)$(MANDIR)/man1/scaleplan.1" \
	  "$(DESTDIR)$(BASHCOMPDIR)/scaleplan" "$(DESTDIR)$(ZSHCOMPDIR)/_scaleplan"
	rm -rf "$(DESTDIR)$(DATADIR)" "$(DESTDIR)$(DOCDIR)"

clean:
	rm -rf $(O) $(SRCDIR)/scaleplan

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)

# ---- fuzzing (clang's libFuzzer) --------------------------------------------
#   make fuzz [FUZZ_TARGET=spec|spec_files|catalog|state|journal] [FUZZ_TIME=60]   (see tests/fuzz/README.md)
FUZZ_TIME ?= 60
FUZZ_CC ?= clang
FUZZ_TARGET ?= spec
# each target's sources: what the parser under test needs, nothing more
FUZZ_SRC_spec := $(LIB_SRC) $(addprefix $(SRCDIR)/model/,load.c load_components.c load_choose.c load_text.c load_util.c load_where.c yaml.c graph.c \
  queueing.c stats.c)
FUZZ_SRC_spec_files := $(FUZZ_SRC_spec)
FUZZ_SRC_catalog := $(LIB_SRC) $(SRCDIR)/model/catalog.c $(SRCDIR)/providers/catalog.c
FUZZ_SRC_state := $(LIB_SRC) $(SRCDIR)/model/resource.c \
  $(addprefix $(SRCDIR)/providers/,state.c state_json.c state_journal.c resource_json.c checksum.c uuid.c where.c) \
  $(SRCDIR)/planner/planfile.c $(SRCDIR)/planner/diff.c $(SRCDIR)/model/cost.c $(SRCDIR)/model/catalog.c $(SRCDIR)/model/load_util.c \
  $(SRCDIR)/model/yaml.c $(addprefix $(SRCDIR)/model/,stats.c graph.c demand.c growth.c load_where.c)
FUZZ_SRC_journal := $(FUZZ_SRC_state)
FUZZ_SEEDS_spec := $(SRCDIR)/examples/*.yaml $(SRCDIR)/tests/bad/*.yaml
FUZZ_SEEDS_spec_files := $(SRCDIR)/examples/*.yaml $(SRCDIR)/tests/bad/*.yaml
FUZZ_SEEDS_catalog := $(SRCDIR)/catalogs/*.json
FUZZ_SEEDS_state := $(SRCDIR)/tests/fuzz/seeds/*.json
FUZZ_SEEDS_journal := $(SRCDIR)/tests/fuzz/seeds/journal-*.jsonl
# seeds made at run time: each spec folder as one archive for spec_files (its first
# file, then "%%file NAME" and the text of each other regular file; see fuzz_spec_files.c)
FUZZ_SEED_CMD_spec_files = for d in $(SRCDIR)/examples/split $(SRCDIR)/tests/bad/*.d; do \
	  n=0; for f in $$d/*; do [ -f "$$f" ] || continue; \
	    [ $$n = 0 ] || printf '\n%%%%file %s\n' "$${f\#\#*/}"; cat "$$f"; n=1; \
	  done >$(O)/fuzz/corpus-spec_files/folder-$$(basename $$d); done
.PHONY: fuzz
fuzz: | build-deps
	@mkdir -p $(O)/fuzz/corpus-$(FUZZ_TARGET)
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -DSP_ARENA_DEBUG -DSP_VERSION='"$(VERSION)"' $(CSTD) -I$(SRCDIR) \
	  $(PKG_CFLAGS) -o $(O)/fuzz/fuzz_$(FUZZ_TARGET) $(SRCDIR)/tests/fuzz/fuzz_$(FUZZ_TARGET).c $(FUZZ_SRC_$(FUZZ_TARGET)) \
	  $(PKG_LIBS) -lm -lpthread
	cp $(FUZZ_SEEDS_$(FUZZ_TARGET)) $(O)/fuzz/corpus-$(FUZZ_TARGET)/
	$(FUZZ_SEED_CMD_$(FUZZ_TARGET))
	ASAN_OPTIONS=detect_leaks=1 $(O)/fuzz/fuzz_$(FUZZ_TARGET) -max_total_time=$(FUZZ_TIME) -max_len=65536 \
	  -timeout=10 $(O)/fuzz/corpus-$(FUZZ_TARGET)
