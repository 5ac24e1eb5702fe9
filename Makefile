# sockstep - a socket-programming teaching kit in C.
#
#   make            build every lesson into build/
#   make demo       run the TCP server and client (v04 + v05) side by side
#   make test       build, then run the whole test suite (last line: N passed, N failed)
#   make sanitize   the lessons' tests on ASan + UBSan builds (no valgrind there)
#   make diff A=v03 B=v04   what changed from one lesson to the next
#   make CC=clang   any C11 compiler works; warnings are treated as bugs
#   make clean      remove build/
#
# Exercises, the grader and the benchmark add their own targets from
# exercises/exercises.mk and bench/bench.mk (make check, hint, progress,
# gradescope, bench).

CC      ?= cc
BUILD   ?= build
CSTD    := -std=c11
WARN    := -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wmissing-prototypes
# DWARF 4: the valgrind of Debian 12 cannot read clang 14's default DWARF 5.
CFLAGS  ?= -O2 -g -gdwarf-4
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -Icommon
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS)

# Everything is rebuilt when the compiler or a flag changes (make CC=clang
# after a gcc build really builds with clang): the stamp file holds the
# command line, and every object depends on it.
BUILD_FLAGS := $(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS)
FLAGS_STAMP := $(BUILD)/.build-flags
$(shell mkdir -p $(BUILD) && if [ "$$(cat $(FLAGS_STAMP) 2>/dev/null)" != '$(BUILD_FLAGS)' ]; then printf '%s\n' '$(BUILD_FLAGS)' >$(FLAGS_STAMP); fi)

# A lesson is a folder lessons/NAME holding NAME.c. Every other .c file in
# the folder is part of the same program (v06's chat loop, v08's room rules).
# A lesson that builds on an earlier lesson's code names that lesson here;
# it then links the earlier folder's other .c files too (never its NAME.c):
LESSON_SRC := $(foreach d,$(sort $(wildcard lessons/*/)),$(wildcard $(d)$(notdir $(d:/=)).c))
LESSONS    := $(notdir $(basename $(LESSON_SRC)))
v07-chat-client_USES     := v06-chat-server
v09-chat-room-epoll_USES := v08-chat-room
# A lesson that needs more from the compiler (threads: -pthread) sets NAME_FLAGS.
v11-tcp-server-threads_FLAGS := -pthread
v12-tcp-server-pool_FLAGS := -pthread

# lesson_parts NAME: the .c files of lesson NAME other than NAME.c.
lesson_parts  = $(filter-out lessons/$(1)/$(1).c,$(wildcard lessons/$(1)/*.c))
lesson_srcs   = lessons/$(1)/$(1).c $(call lesson_parts,$(1)) $(foreach u,$($(1)_USES),$(call lesson_parts,$(u)))
lesson_hdrs   = $(wildcard lessons/$(1)/*.h) $(foreach u,$($(1)_USES),$(wildcard lessons/$(u)/*.h))
lesson_incs   = -Ilessons/$(1) $(foreach u,$($(1)_USES),-Ilessons/$(u))

COMMON_SRC := $(wildcard common/*.c)
COMMON_HDR := $(wildcard common/*.h)
COMMON_OBJ := $(COMMON_SRC:common/%.c=$(BUILD)/common/%.o)
# An archive, so each program links only the parts of common/ it uses.
COMMON_LIB := $(BUILD)/common/libsockstep.a
TEST_PEERS := $(patsubst tests/peers/%.c,$(BUILD)/tests/%,$(wildcard tests/peers/*.c))
PROGRAMS   := $(LESSONS:%=$(BUILD)/%) $(TEST_PEERS)

SANITIZE_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: all clean test sanitize demo diff
all: $(PROGRAMS)

$(BUILD)/common/%.o: common/%.c $(COMMON_HDR) $(FLAGS_STAMP) | $(BUILD)/common
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(COMMON_LIB): $(COMMON_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# lessons/NAME/*.c is built to build/NAME.
.SECONDEXPANSION:
$(LESSONS:%=$(BUILD)/%): $(BUILD)/%: $$(call lesson_srcs,$$*) $$(call lesson_hdrs,$$*) $(COMMON_LIB) $(COMMON_HDR) $(FLAGS_STAMP) | $(BUILD)
	$(CC) $(CPPFLAGS) $(call lesson_incs,$*) $(ALL_CFLAGS) $($*_FLAGS) $(LDFLAGS) $(call lesson_srcs,$*) $(COMMON_LIB) -o $@

$(BUILD)/tests/%: tests/peers/%.c $(COMMON_LIB) $(COMMON_HDR) $(FLAGS_STAMP) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) $< $(COMMON_LIB) -o $@

$(BUILD)/common $(BUILD)/tests:
	mkdir -p $@

# Bats files run in parallel, one process per file (bats -j would need GNU parallel).
TEST_JOBS ?=
# The programs are built first, one compiler per core (unless make already
# runs in parallel: make -jN test).
BUILD_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PARALLEL = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(BUILD_JOBS))
test:
	@$(MAKE) --no-print-directory $(PARALLEL) all
	@SOCKSTEP_BUILD=$(abspath $(BUILD)) TEST_JOBS=$(TEST_JOBS) tests/run $(TESTS)

# The test files that run the lessons (the grader's own files compile
# student code themselves, so a sanitizer build of the lessons changes nothing there).
SANITIZE_TESTS ?= $(wildcard tests/v[0-9]*.bats tests/room*.bats) tests/docs-samples.bats tests/readme.bats tests/bench.bats
sanitize:
	@$(MAKE) --no-print-directory $(PARALLEL) BUILD=$(BUILD)/sanitize CFLAGS="$(SANITIZE_FLAGS)" LDFLAGS="-fsanitize=address,undefined" all
	@SOCKSTEP_BUILD=$(abspath $(BUILD)/sanitize) SOCKSTEP_VALGRIND=0 TEST_JOBS=$(TEST_JOBS) tests/run $(or $(TESTS),$(SANITIZE_TESTS))

DEMO_COUNT ?= 5
demo: all
	@tools/demo $(abspath $(BUILD)) $(DEMO_COUNT)

# make diff A=v03 B=v04: the changes from lesson A to lesson B, as a unified diff.
A ?=
B ?=
diff:
	@tools/lesson-diff "$(A)" "$(B)"

clean:
	rm -rf $(BUILD)

-include exercises/exercises.mk
-include bench/bench.mk
