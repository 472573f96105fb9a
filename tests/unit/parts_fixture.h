/* The chip database for unit suites: loaded once per group (cmocka group
 * setup/teardown) from $FTISP_PARTS, else the source tree's data/parts.conf. */
#ifndef FTISP_TEST_PARTS_FIXTURE_H
#define FTISP_TEST_PARTS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "ftisp/partdb.h"

static ft_partdb db;

static int setup(void **state)
{
    (void)state;
    ft_err err = {0};
    ft_partdb_init(&db);
    const char *path = getenv("FTISP_PARTS") ? getenv("FTISP_PARTS") : "data/parts.conf";
    if (ft_partdb_load(&db, path, &err) != FT_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ft_partdb_free(&db);
    return 0;
}

#endif
