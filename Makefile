# ftisp: host programmer for AVR over an FT232H in MPSSE mode.
#
#   make            build build/ftisp and the emulator libraries
#   make test       the quick suite: plain build, unit and end-to-end, sweeps
#                   sampled, two scripts at a time (about 3 minutes)
#   make check      everything: unit and end-to-end tests with full sweeps,
#                   then again under ASan+UBSan (what CI runs)
#   make fuzz       build the libFuzzer targets and run each FUZZ_SECONDS
#   make bench      benchmark ftisp against avrdude on the emulator
#   make install    PREFIX=/usr/local DESTDIR=  (AVRDUDE_LINK=1: also bin/avrdude -> ftisp)
#
# Sources are found by name: src/*/*.c and src/wire/*/*.c are the layers
# (one folder each, see src/README.md), src/main.c holds main,
# tests/unit/test_*.c are cmocka suites, tests/e2e/test_*.sh are end-to-end
# scripts, tests/fuzz/fuzz_*.c are fuzz targets, tests/emu/emu.mk builds the
# emulator. Adding a file needs no edit here.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/ftisp
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=
BUILD   ?= build
SAN     ?=
CC      ?= cc
PKG_CONFIG ?= pkg-config
FUZZ_SECONDS ?= 20

# The libraries ftisp links, each with the Debian package that provides it.
# Each is asked of pkg-config on its own, so one missing library is named
# instead of silently dropping every flag.
PKGS := libftdi1 libusb-1.0 nettle libedit jansson
DEB_libftdi1   := libftdi1-dev
DEB_libusb-1.0 := libusb-1.0-0-dev
DEB_nettle     := nettle-dev
DEB_libedit    := libedit-dev
DEB_jansson    := libjansson-dev
DEB_cmocka     := libcmocka-dev
PKG_HAVE = $(shell $(PKG_CONFIG) --exists $(1) 2>/dev/null && echo yes)
# Goals that install or only remove things need no library; `demo` and
# `test` install them first and then build in a fresh make.
NOLIB_GOALS := deps demo test clean uninstall
BUILD_GOALS := $(filter-out $(NOLIB_GOALS),$(or $(MAKECMDGOALS),all))
ifneq ($(BUILD_GOALS),)
PKGS_NEEDED := $(PKGS) $(if $(filter unit check check-plain,$(BUILD_GOALS)),cmocka)
PKGS_MISSING := $(strip $(if $(shell command -v $(firstword $(CC))),,gcc) \
  $(if $(shell command -v $(PKG_CONFIG)),,pkg-config) \
  $(foreach p,$(PKGS_NEEDED),$(if $(call PKG_HAVE,$(p)),,$(DEB_$(p)))))
ifneq ($(PKGS_MISSING),)
$(error missing $(PKGS_MISSING): run `make deps` (or sudo tools/deps build))
endif
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

WARN    := -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT     ?= -O2 -g
comma := ,
SANFLAGS := $(if $(SAN),-fsanitize=address$(comma)undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
CFLAGS_ALL = $(WARN) $(OPT) $(SANFLAGS) -pthread -Iinclude $(PKG_CFLAGS) \
             -DFTISP_DATADIR='"$(DATADIR)"' -DFTISP_VERSION='"$(VERSION)"' $(CFLAGS)
LDFLAGS_ALL = $(SANFLAGS) -pthread $(LDFLAGS)
VERSION := 0.1.0

SRC      := $(wildcard src/*.c src/*/*.c src/*/*/*.c)
LIB_SRC  := $(filter-out src/main.c,$(SRC))
LIB_OBJ  := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

.PHONY: all check check-plain check-san quick unit fuzz bench install uninstall clean emu
all: $(BUILD)/ftisp emu

$(BUILD)/obj/%.o: src/%.c $(wildcard include/ftisp/*.h) | $(BUILD)/obj
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/libftisp.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/ftisp: $(BUILD)/obj/main.o $(BUILD)/libftisp.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libftisp.a $(wildcard tests/unit/*.h) | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(BUILD)/libftisp.a $(LDFLAGS_ALL) $(PKG_LIBS) $(CMOCKA_LIBS) -lm

unit: $(UNIT_BIN)

$(BUILD)/obj $(BUILD)/tests $(BUILD)/fuzz:
	mkdir -p $@

# The emulator (tests/emu) brings its own rules; it defines the target `emu`.
-include tests/emu/emu.mk
emu::

# All tests, plain and sanitized; the last line is "N passed, N failed".
check:
	@$(MAKE) --no-print-directory BUILD=build all unit >/dev/null
	@$(MAKE) --no-print-directory BUILD=build-san SAN=1 OPT="-O1 -g" all unit >/dev/null
	@tests/run-tests build build-san

check-plain: all unit
	@tests/run-tests $(BUILD)

quick: all unit
	@tests/run-tests --quick $(BUILD)

# libFuzzer targets: one per parser, each with tests/fuzz/corpus/<name>/.
# They link a clang-built archive, so each pulls in only the layers it uses.
FUZZ_CFLAGS = $(WARN) -O1 -g -fsanitize=address,undefined -pthread -Iinclude $(PKG_CFLAGS) \
  -DFTISP_DATADIR='"$(DATADIR)"' -DFTISP_VERSION='"$(VERSION)"'
FUZZ_OBJ := $(patsubst src/%.c,$(BUILD)/fuzz/obj/%.o,$(LIB_SRC))
$(BUILD)/fuzz/obj/%.o: src/%.c $(wildcard include/ftisp/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(BUILD)/fuzz/libftisp.a: $(FUZZ_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/fuzz/libftisp.a | $(BUILD)/fuzz
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/fuzz/libftisp.a $(PKG_LIBS) -lm

fuzz: $(FUZZ_BIN)
	@tests/run-fuzz $(BUILD)/fuzz $(FUZZ_SECONDS)

bench: all
	@tests/bench/run $(BUILD)

install: $(BUILD)/ftisp
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BUILD)/ftisp $(DESTDIR)$(BINDIR)/ftisp
	install -m 644 data/parts.conf $(DESTDIR)$(DATADIR)/parts.conf
	install -m 644 man/ftisp.1 $(DESTDIR)$(MANDIR)/man1/ftisp.1
	-@test -f data/60-ftisp.rules && install -d $(DESTDIR)$(PREFIX)/lib/udev/rules.d && \
	  install -m 644 data/60-ftisp.rules $(DESTDIR)$(PREFIX)/lib/udev/rules.d/60-ftisp.rules
	-@test -f completions/ftisp.bash && install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions && \
	  install -m 644 completions/ftisp.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ftisp
	-@test -f completions/_ftisp && install -d $(DESTDIR)$(PREFIX)/share/zsh/site-functions && \
	  install -m 644 completions/_ftisp $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_ftisp
	-@test -f completions/ftisp.fish && install -d $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d && \
	  install -m 644 completions/ftisp.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/ftisp.fish
	@if [ "$(AVRDUDE_LINK)" = 1 ]; then \
	  echo "ln -sf ftisp $(DESTDIR)$(BINDIR)/avrdude"; ln -sf ftisp $(DESTDIR)$(BINDIR)/avrdude; fi

uninstall:
	@if [ -L $(DESTDIR)$(BINDIR)/avrdude ] && [ "$$(readlink $(DESTDIR)$(BINDIR)/avrdude)" = ftisp ]; then \
	  rm -f $(DESTDIR)$(BINDIR)/avrdude; fi
	rm -f $(DESTDIR)$(BINDIR)/ftisp $(DESTDIR)$(DATADIR)/parts.conf $(DESTDIR)$(MANDIR)/man1/ftisp.1 \
	  $(DESTDIR)$(PREFIX)/lib/udev/rules.d/60-ftisp.rules \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ftisp \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_ftisp \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/ftisp.fish
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null

clean:
	rm -rf build build-san

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/obj/*/*.d $(BUILD)/obj/*/*/*.d)

# The README's two commands: both install missing Debian packages first.
.PHONY: deps demo test
deps:
	@tools/deps test

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo/run $(BUILD)

test: deps
	@$(MAKE) --no-print-directory quick
