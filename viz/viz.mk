# viz/viz.mk: build, check and bench rules for viz/ (included by the top Makefile).
#
#   build/hvtui               the ncurses trace replayer (viz/hvtui/)
#   make check-viz            model unit tests (ASan/UBSan), tmux screen tests,
#                             plot scripts; "TEST name PASS|FAIL detail" lines
#   make bench-tui            open/step/seek on a 10M-event trace (build/bench/)
#   make plots DB=x.db [DB2=y.db]   PNGs into build/plots/

VIZ_DIR    := viz/hvtui
VIZ_OBJDIR := $(BUILD)/viz
# The model: plain C, no ncurses (replay.h).
VIZ_MODEL  := spte_map tracedb checkpoint replay
# The view, the keys and the terminal front end.
VIZ_UI     := spte_decode decode walk canvas view keys app expr term main
VIZ_LIBS   := -lsqlite3
CURSES_LIBS := -lncursesw
PYTHON     ?= $(shell [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)

VIZ_MODEL_OBJS := $(VIZ_MODEL:%=$(VIZ_OBJDIR)/%.o)
VIZ_UI_OBJS    := $(VIZ_UI:%=$(VIZ_OBJDIR)/%.o)
VIZ_SAN_OBJS   := $(VIZ_MODEL:%=$(VIZ_OBJDIR)/san/%.o)
# Everything but the terminal front end, sanitized, for test_ui.
VIZ_SAN_UI_OBJS := $(patsubst %,$(VIZ_OBJDIR)/san/%.o,$(filter-out term main spte_decode,$(VIZ_UI))) \
                   $(VIZ_OBJDIR)/san/spte_decode.o

ALL += $(BUILD)/hvtui
CHECKS += viz
BENCHES += tui

$(VIZ_OBJDIR)/%.o: $(VIZ_DIR)/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(INCLUDES) -MMD -MP -c $< -o $@

# The MMU's SPTE decoder (mmu/spte_decode.c, freestanding) is built into hvtui.
$(VIZ_OBJDIR)/spte_decode.o: mmu/spte_decode.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(INCLUDES) -MMD -MP -c $< -o $@

$(VIZ_OBJDIR)/san/spte_decode.o: mmu/spte_decode.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(INCLUDES) -MMD -MP -c $< -o $@

$(VIZ_OBJDIR)/san/%.o: $(VIZ_DIR)/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(INCLUDES) -MMD -MP -c $< -o $@

$(BUILD)/hvtui: $(VIZ_MODEL_OBJS) $(VIZ_UI_OBJS)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^ $(CURSES_LIBS) $(VIZ_LIBS)

# Test tools: the fixture generator and the model's unit tests (sanitized).
$(VIZ_OBJDIR)/mkfixture: viz/test/mkfixture.c $(VIZ_OBJDIR)/spte_map.o $(VIZ_OBJDIR)/tracedb.o
	$(HOST_CC) $(HOST_CFLAGS) $(INCLUDES) -o $@ $^ $(VIZ_LIBS)

$(VIZ_OBJDIR)/test_replay: viz/test/test_replay.c $(VIZ_SAN_OBJS)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(INCLUDES) -o $@ $^ $(VIZ_LIBS)

$(VIZ_OBJDIR)/test_ui: viz/test/test_ui.c $(VIZ_SAN_OBJS) $(VIZ_SAN_UI_OBJS)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(INCLUDES) -o $@ $^ $(VIZ_LIBS)

$(VIZ_OBJDIR)/bench_tui: viz/test/bench_tui.c $(VIZ_MODEL_OBJS) $(filter-out %/main.o %/term.o,$(VIZ_UI_OBJS))
	$(HOST_CC) $(HOST_CFLAGS) $(INCLUDES) -o $@ $^ $(VIZ_LIBS)

check-viz: $(BUILD)/hvtui $(VIZ_OBJDIR)/mkfixture $(VIZ_OBJDIR)/test_replay $(VIZ_OBJDIR)/test_ui
	@PYTHON=$(PYTHON) bash viz/test/check.sh

bench-tui: $(BUILD)/hvtui $(VIZ_OBJDIR)/mkfixture $(VIZ_OBJDIR)/bench_tui
	@bash viz/test/bench.sh

plots:
	@test -n "$(DB)" || { echo "usage: make plots DB=trace.db [DB2=other.db]"; exit 2; }
	@mkdir -p $(BUILD)/plots
	$(PYTHON) viz/plots/plot_all.py --out $(BUILD)/plots $(DB) $(DB2)

.PHONY: check-viz bench-tui plots

-include $(VIZ_MODEL_OBJS:.o=.d) $(VIZ_UI_OBJS:.o=.d) $(VIZ_SAN_OBJS:.o=.d) $(VIZ_SAN_UI_OBJS:.o=.d)
