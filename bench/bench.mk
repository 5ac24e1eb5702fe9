# bench/bench.mk - the load generator and `make bench` (included by the Makefile).
#
#   make bench                    both tables of docs/bench.md: the rooms (v04, v08, v09,
#                                 ncat and redis when installed) and the designs (v04, v10-v12)
#   make bench BENCH_SIZES="10 100"   fewer rows in the room table
#   make bench BENCH_PARTS=designs    only the design table (BENCH_DESIGN_SIZES="10 100 1000",
#                                 BENCH_IDLE=1000 idle connections for its last columns)
#
# The load generator is built with the kit's flags into $(BUILD)/bench/loadgen
# by `make` too, so tests/bench.bats can check it; the benchmark itself never
# runs in `make test`.

BENCH_SIZES ?= 10 100 1000 10000
LOADGEN := $(BUILD)/bench/loadgen

.PHONY: bench
all: $(LOADGEN)

$(LOADGEN): bench/loadgen.c $(COMMON_LIB) $(COMMON_HDR) $(FLAGS_STAMP) | $(BUILD)/bench
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) $< $(COMMON_LIB) -o $@

$(BUILD)/bench:
	mkdir -p $@

bench: all
	@bench/run $(abspath $(BUILD)) $(BENCH_SIZES)
