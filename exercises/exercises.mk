# exercises/exercises.mk - the exercises' targets (included by the Makefile).
#
#   make check [EX=NAME]      grade your exercises/work/NAME.c (the first time it is
#                             copied from the starter); without EX: the next exercise
#   make hint [EX=NAME]       the next hint for that exercise, one at a time
#   make progress             which exercises are done, and the next one
#   make gradescope EX=NAME   build/gradescope-NAME.zip, a Gradescope autograder
#   make exercises-solutions  build every reference solution into build/exercises/
#
# EXERCISE_WORK=DIR keeps your work somewhere else than exercises/work/.

EX ?=
EXERCISE_WORK ?= exercises/work
# The learning order, one exercise per line (exercises/learn reads it too).
EXERCISE_NAMES := $(shell cat exercises/ORDER)

.PHONY: check hint progress gradescope exercises-solutions

check:
	@EXERCISE_WORK=$(EXERCISE_WORK) exercises/learn check $(EX)

hint:
	@EXERCISE_WORK=$(EXERCISE_WORK) exercises/learn hint $(EX)

progress:
	@EXERCISE_WORK=$(EXERCISE_WORK) exercises/learn progress

gradescope:
	@BUILD=$(BUILD) exercises/gradescope/make-zip $(EX)

# The reference solutions, built like lessons (warnings are bugs here too).
exercises-solutions: $(EXERCISE_NAMES:%=$(BUILD)/exercises/%)

$(EXERCISE_NAMES:%=$(BUILD)/exercises/%): $(BUILD)/exercises/%: exercises/%/solution.c $(COMMON_OBJ) $(COMMON_HDR) $(FLAGS_STAMP)
	@mkdir -p $(BUILD)/exercises
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) $< $(COMMON_OBJ) -o $@
