# pseudolink: PGXS build.
#
# The C sources are every src/*.c file (one file per concern); the install
# script pseudolink--<version>.sql is assembled from src/sql/*.sql in name
# order (the numeric prefixes fix that order).  Frozen upgrade scripts live in
# src/sql/upgrades/.  pg_regress runs every sql/*.sql file in name order.

PG_CONFIG  ?= /usr/lib/postgresql/15/bin/pg_config

EXTENSION   = pseudolink
EXTVERSION  = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big  = pseudolink
OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

SQL_SOURCES = $(sort $(wildcard src/sql/*.sql))
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql
DATA        = $(wildcard src/sql/upgrades/$(EXTENSION)--*--*.sql)

REGRESS      = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=.

PG_CPPFLAGS = -Isrc -DPSEUDOLINK_VERSION=\"$(EXTVERSION)\" $(shell pkg-config --cflags libsodium) -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
SHLIB_LINK  = $(shell pkg-config --libs libsodium)

EXTRA_CLEAN = regression.diffs regression.out results

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(DATA_built): $(SQL_SOURCES) $(EXTENSION).control
	cat $(SQL_SOURCES) > $@

.PHONY: print-version
print-version:
	@echo $(EXTVERSION)
