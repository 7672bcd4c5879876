# dunya build. `make` builds ./dunya and build/libdunya.a; `make test` runs every test;
# `make asan` runs them again under AddressSanitizer + UndefinedBehaviorSanitizer;
# `make fuzz` builds the libFuzzer targets (clang). See README.md.

SHELL   := /bin/bash
CC      ?= cc
BUILD   ?= build
OPT     ?= -O2
SAN     ?=
CFLAGS  ?=
CFLAGS  += -std=c11 $(OPT) -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wno-missing-field-initializers -D_GNU_SOURCE -pthread -MMD -MP $(SAN)
LDFLAGS += -pthread $(SAN)
LDLIBS  += -lm

PKGS    := yaml-0.1 sqlite3 libpq libcurl libzstd zlib libcrypto libxml-2.0
ifneq ($(PKGS),)
CFLAGS  += $(shell pkg-config --cflags $(PKGS))
LDLIBS  += $(shell pkg-config --libs $(PKGS))
endif

LIB_SRC  := $(filter-out src/cli/%,$(wildcard src/*/*.c))
CLI_SRC  := $(wildcard src/cli/*.c)
TEST_SRC := $(wildcard tests/unit/*.c) tests/runner.c
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
# Each fuzz target is also linked into the test binary (renamed), which replays its corpus.
FUZZ_TOBJ := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz-replay/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libdunya.a
BIN      ?= dunya
TESTBIN  := $(BUILD)/dunya-tests

.PHONY: all test asan fuzz fuzz-run deps bench clean check-src example

all: $(BIN) $(LIB)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

# The test list is generated from the DN_TEST(name) definitions, so adding a test is one edit.
$(BUILD)/test_list.h: $(wildcard tests/unit/*.c)
	@mkdir -p $(BUILD)
	@grep -ho '^DN_TEST([a-z0-9_]*)' $^ /dev/null | sed 's/^DN_TEST(\(.*\))/DN_TEST_ENTRY(\1)/' > $@.tmp
	@mv $@.tmp $@

$(BUILD)/fuzz_list.h: $(FUZZ_SRC)
	@mkdir -p $(BUILD)
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); echo "DN_FUZZ_ENTRY($${n#fuzz_})"; done > $@.tmp
	@mv $@.tmp $@

$(BUILD)/fuzz-replay/%.o: fuzz/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DLLVMFuzzerTestOneInput=dn_$*_one -c $< -o $@

$(BUILD)/tests/unit/test_fuzz_corpus.o: $(BUILD)/fuzz_list.h
$(BUILD)/tests/unit/test_fuzz_corpus.o: CFLAGS += -I$(BUILD)
$(BUILD)/tests/runner.o: $(BUILD)/test_list.h
$(BUILD)/tests/runner.o: CFLAGS += -I$(BUILD) -DDN_SOURCE_DIR='"$(CURDIR)"'
$(BUILD)/tests/unit/%.o: CFLAGS += -DDN_SOURCE_DIR='"$(CURDIR)"'

$(TESTBIN): $(TEST_OBJ) $(FUZZ_TOBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJ) $(FUZZ_TOBJ) $(LIB) $(LDLIBS)

test: deps
	$(MAKE) $(BIN) $(TESTBIN)
	DUNYA_BIN=$(CURDIR)/$(BIN) ./$(TESTBIN)

asan: deps
	$(MAKE) BUILD=build/asan BIN=build/asan/dunya OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" test

# libFuzzer targets: one per parser of outside input.
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)
fuzz:
	scripts/install-deps --fuzz
	$(MAKE) CC=clang BUILD=build/fuzz-obj BIN=build/fuzz-obj/dunya OPT=-O1 \
	    SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	    build/fuzz-obj/libdunya.a
	@mkdir -p build/fuzz
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  echo "clang $$f -> build/fuzz/$$n"; \
	  clang -std=c11 -O1 -g -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	    $(if $(PKGS),$(shell pkg-config --cflags $(PKGS))) \
	    $$f build/fuzz-obj/libdunya.a $(LDLIBS) -pthread \
	    -o build/fuzz/$$n || exit 1; done

# Run each fuzz target for FUZZ_SECONDS (default 60) on its corpus.
FUZZ_SECONDS ?= 60
fuzz-run: fuzz
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); c=fuzz/corpus/$${n#fuzz_}; \
	  mkdir -p build/fuzz/work-$$n $$c; \
	  echo "fuzzing $$n for $(FUZZ_SECONDS)s"; \
	  ./build/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build/fuzz/ \
	    build/fuzz/work-$$n $$c > build/fuzz/$$n.log 2>&1 \
	    || { tail -n 60 build/fuzz/$$n.log; exit 1; }; \
	  grep -E 'stat::number_of_executed_units|Done' build/fuzz/$$n.log; done

deps:
	@scripts/install-deps

example: deps
	$(MAKE) $(BIN)
	DUNYA=$(CURDIR)/$(BIN) examples/quickstart/run

check-src:
	scripts/checksrc

bench: all
	bench/run

clean:
	rm -rf build $(BIN)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(FUZZ_TOBJ:.o=.d)
