/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-lessor-proto: libFuzzer harness for kms-lessord's parsers.
 *
 * The first input byte picks the target: 0 the request parser (whole
 * input and every prefix), 1 the policy parser and matcher, 2 the ERR
 * formatter.  Besides ASan and UBSan it checks the invariants the daemon
 * relies on and aborts if one breaks.  Seeds are in fuzz-corpus/; build
 * and run with "make -C lessor O=DIR fuzz".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lessor-policy.h"
#include "lessor-proto.h"

#define REQUIRE(cond) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "invariant broken: %s\n", #cond); \
            abort(); \
        } \
    } while (0)

static bool line_ok(const char *line, int n)
{
    int i;

    if (n <= 0 || n > LESSOR_LINE_MAX || line[n - 1] != '\n' || line[n]) {
        return false;
    }
    for (i = 0; i < n - 1; i++) {
        if (line[i] < 0x20 || line[i] > 0x7e) {
            return false;
        }
    }
    return true;
}

static void fuzz_request(const char *in, size_t size)
{
    char line[LESSOR_LINE_MAX + 1];
    LessorRequest req;
    const char *why;
    LessorParse r;
    size_t i;

    r = lessor_proto_parse(in, size, &req, &why);
    REQUIRE((r == LESSOR_PARSE_ERROR) == (why != NULL));
    if (r == LESSOR_PARSE_DONE) {
        REQUIRE(size <= LESSOR_LINE_MAX && in[size - 1] == '\n');
        REQUIRE(memchr(in, '\n', size - 1) == NULL);
        if (req.verb == LESSOR_VERB_LEASE) {
            REQUIRE(lessor_connector_name_valid(req.connector,
                                                strlen(req.connector)));
        }
        /* Segments: no prefix of a good request is complete or wrong */
        for (i = 0; i < size; i++) {
            REQUIRE(lessor_proto_parse(in, i, &req, &why) ==
                    LESSOR_PARSE_MORE);
        }
    }
    if (r == LESSOR_PARSE_MORE) {
        REQUIRE(size < LESSOR_LINE_MAX && !memchr(in, '\n', size));
    }
    if (r == LESSOR_PARSE_ERROR) {
        REQUIRE(line_ok(line, lessor_format_err(line, sizeof(line),
                                                LESSOR_EPROTO, "%s", why)));
    }
}

static void fuzz_policy(const char *in, size_t size)
{
    static const gid_t gids[] = { 1000, 44, 0 };
    static const char *const names[] = { "alice", "video", NULL };
    static const char *const connectors[] = {
        "HDMI-A-1", "Virtual-1", "*", "DP-1",
    };
    const LessorPeer peers[] = {
        { 1000, "alice", gids, names, 3 },
        { 0, NULL, NULL, NULL, 0 },
    };
    LessorPolicy policy;
    char err[256];
    size_t i, j;

    if (!lessor_policy_parse(in, size, "fuzz.policy", &policy, err,
                             sizeof(err))) {
        REQUIRE(policy.rules == NULL && policy.n_rules == 0);
        REQUIRE(strncmp(err, "fuzz.policy:", 12) == 0);
        return;
    }
    REQUIRE(policy.n_rules <= LESSOR_POLICY_MAX_RULES);
    for (i = 0; i < policy.n_rules; i++) {
        const LessorRule *r = &policy.rules[i];

        REQUIRE(r->line >= 1 && r->line <= size + 1);
        REQUIRE(strcmp(r->connector, "*") == 0 ||
                lessor_connector_name_valid(r->connector,
                                            strlen(r->connector)));
    }
    for (i = 0; i < 2; i++) {
        for (j = 0; j < 4; j++) {
            const LessorRule *r = lessor_policy_match(&policy, &peers[i],
                                                      connectors[j]);

            REQUIRE(!r || (r >= policy.rules &&
                           r < policy.rules + policy.n_rules));
        }
    }
    lessor_policy_clear(&policy);
}

static void fuzz_err(const char *in, size_t size)
{
    char line[LESSOR_LINE_MAX + 1];
    char *msg = malloc(size + 1);
    int n;

    if (!msg) {
        return;
    }
    memcpy(msg, in, size);
    msg[size] = '\0';
    n = lessor_format_err(line, sizeof(line), LESSOR_EIO, "%s", msg);
    REQUIRE(line_ok(line, n));
    free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data + 1;

    if (size == 0) {
        return 0;
    }
    switch (data[0] % 3) {
    case 0:
        fuzz_request(in, size - 1);
        break;
    case 1:
        fuzz_policy(in, size - 1);
        break;
    default:
        fuzz_err(in, size - 1);
        break;
    }
    return 0;
}
