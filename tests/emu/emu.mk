# The emulated FT232H + AVR (tests/emu): LD_PRELOAD libraries that answer the
# libusb-1.0 (libftemu.so) and libusb-0.1 (libftemu0.so) calls, and the probe
# programs the emulator's own tests run. Always built without sanitizers.
EMU_DIR   := $(BUILD)/emu
EMU_CORE  := $(filter-out tests/emu/emu_usb1.c tests/emu/emu_usb0.c,$(wildcard tests/emu/emu_*.c))
EMU_PDB   := $(wildcard src/partdb/partdb*.c) src/partdb/progdb.c src/base/err.c
EMU_CFLAGS := -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
              -O2 -g -fPIC -fvisibility=hidden -Iinclude -Itests/emu \
              -DEMU_SRCDIR='"$(CURDIR)"' -DFTISP_DATADIR='"$(DATADIR)"'
EMU_HDRS  := $(wildcard tests/emu/*.h) $(wildcard include/ftisp/*.h)
EMU_PROBES := $(patsubst tests/emu/probes/%.c,$(EMU_DIR)/probes/%,$(wildcard tests/emu/probes/*.c))
EMU0_SRC  := $(wildcard tests/emu/emu_usb0.c)

$(EMU_DIR)/libftemu.so: tests/emu/emu_usb1.c $(EMU_CORE) $(EMU_PDB) $(EMU_HDRS)
	@mkdir -p $(@D)
	$(CC) $(EMU_CFLAGS) -shared -o $@ tests/emu/emu_usb1.c $(EMU_CORE) $(EMU_PDB) -Wl,-z,defs -lc

$(EMU_DIR)/libftemu0.so: $(EMU0_SRC) $(EMU_CORE) $(EMU_PDB) $(EMU_HDRS)
	@mkdir -p $(@D)
	$(CC) $(filter-out -fvisibility=hidden,$(EMU_CFLAGS)) -shared -o $@ $(EMU0_SRC) $(EMU_CORE) $(EMU_PDB) -Wl,-z,defs -lc

$(EMU_DIR)/probes/%: tests/emu/probes/%.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -g \
	  $(shell $(PKG_CONFIG) --cflags libftdi1) -o $@ $< $(shell $(PKG_CONFIG) --libs libftdi1 libusb-1.0)

emu:: $(EMU_DIR)/libftemu.so $(if $(EMU0_SRC),$(EMU_DIR)/libftemu0.so) $(EMU_PROBES)
