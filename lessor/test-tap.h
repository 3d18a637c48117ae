/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-tap: the TAP output shared by the lessor test programs. */
#ifndef TEST_TAP_H
#define TEST_TAP_H

#include <stdbool.h>

/*
 * Report one test: "ok N - MESSAGE" or "not ok N - MESSAGE", flushed.
 * Returns @cond, so that a failure can be followed by diag().
 */
bool check(bool cond, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A comment: each line of the message as "# LINE", flushed */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Count a test that was not run: "ok N - @name # SKIP @reason" */
void tap_skip(const char *name, const char *reason);

/* How many tests have failed so far */
int tap_failed(void);

/*
 * Print the plan "1..N" and, if any failed, "# F of N tests failed".
 * Returns the exit status for main(): 0 if all passed, else 1.
 */
int tap_finish(void);

#endif /* TEST_TAP_H */
