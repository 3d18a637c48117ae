/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-tap: the TAP output shared by the lessor test programs. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-tap.h"

static int tests_run;
static int tests_failed;

bool check(bool cond, const char *fmt, ...)
{
    va_list ap;

    tests_run++;
    if (!cond) {
        tests_failed++;
    }
    printf("%sok %d - ", cond ? "" : "not ", tests_run);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    return cond;
}

void diag(const char *fmt, ...)
{
    va_list ap;
    char *msg, *p, *line;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0) {
        printf("# (diagnostic lost: out of memory)\n");
        fflush(stdout);
        return;
    }
    /* One "# " per line keeps a multi-line message (a log) inside TAP */
    for (line = strtok_r(msg, "\n", &p); line;
         line = strtok_r(NULL, "\n", &p)) {
        printf("# %s\n", line);
    }
    free(msg);
    fflush(stdout);
}

void tap_skip(const char *name, const char *reason)
{
    printf("ok %d - %s # SKIP %s\n", ++tests_run, name, reason);
    fflush(stdout);
}

int tap_failed(void)
{
    return tests_failed;
}

int tap_finish(void)
{
    printf("1..%d\n", tests_run);
    if (tests_failed) {
        printf("# %d of %d tests failed\n", tests_failed, tests_run);
    }
    fflush(stdout);
    return tests_failed ? 1 : 0;
}
