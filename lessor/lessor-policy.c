/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kms-lessord policy: parser and matcher for "allow <who> <connector>".
 *
 * See lessor-policy.h.  The file is trusted (root writes it) but still
 * parsed strictly: a typo must stop the daemon with FILE:LINE rather than
 * silently grant or deny.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lessor-policy.h"

#define MAX_FIELDS 4    /* 3 are valid; a 4th says "too many" */

/* IDs are 32 bits and (uid_t)-1 means "no ID" to the kernel */
#define MAX_ID 4294967294UL

typedef struct Parser {
    const char *filename;
    unsigned line;
    char *err;
    size_t err_size;
} Parser;

static bool fail(Parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool fail(Parser *p, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (p->line) {
        n = snprintf(p->err, p->err_size, "%s:%u: ", p->filename, p->line);
    } else {
        n = snprintf(p->err, p->err_size, "%s: ", p->filename);
    }
    if (n >= 0 && (size_t)n < p->err_size) {
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->err_size - n, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* How much of a bad field to quote back: enough to find it */
static int echo_len(size_t len)
{
    return len > 40 ? 40 : (int)len;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* User and group names as useradd and NSS modules make them */
static bool name_valid(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || len > LESSOR_POLICY_NAME_MAX || s[0] == '-') {
        return false;
    }
    for (i = 0; i < len; i++) {
        char c = s[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
            c == '@' || (c == '$' && i == len - 1)) {
            continue;
        }
        return false;
    }
    return true;
}

static bool id_parse(const char *s, size_t len, unsigned long *id)
{
    unsigned long v = 0;
    size_t i;

    if (len == 0 || len > 10) {
        return false;
    }
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    if (v > MAX_ID) {
        return false;
    }
    *id = v;
    return true;
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t plen = strlen(prefix);

    return len >= plen && memcmp(s, prefix, plen) == 0;
}

static bool parse_who(Parser *p, const char *s, size_t len, LessorRule *rule)
{
    if (len == 1 && s[0] == '*') {
        rule->who = LESSOR_WHO_ANY;
        return true;
    }
    if (has_prefix(s, len, "user:") || has_prefix(s, len, "group:")) {
        bool user = s[0] == 'u';
        size_t skip = user ? 5 : 6;

        if (!name_valid(s + skip, len - skip)) {
            return fail(p, "bad %s name '%.*s': use 1 to %d characters of "
                        "A-Z, a-z, 0-9, '_', '.', '@' and '-'",
                        user ? "user" : "group", echo_len(len - skip),
                        s + skip, LESSOR_POLICY_NAME_MAX);
        }
        rule->who = user ? LESSOR_WHO_USER : LESSOR_WHO_GROUP;
        memcpy(rule->name, s + skip, len - skip);
        rule->name[len - skip] = '\0';
        return true;
    }
    if (has_prefix(s, len, "uid:") || has_prefix(s, len, "gid:")) {
        bool uid = s[0] == 'u';

        if (!id_parse(s + 4, len - 4, &rule->id)) {
            return fail(p, "bad %s '%.*s': use a decimal number from 0 to %lu",
                        uid ? "uid" : "gid", echo_len(len - 4), s + 4,
                        MAX_ID);
        }
        rule->who = uid ? LESSOR_WHO_UID : LESSOR_WHO_GID;
        return true;
    }
    return fail(p, "bad subject '%.*s': expected user:NAME, group:NAME, "
                "uid:N, gid:N or *", echo_len(len), s);
}

static bool parse_connector(Parser *p, const char *s, size_t len,
                            LessorRule *rule)
{
    if (!(len == 1 && s[0] == '*') && !lessor_connector_name_valid(s, len)) {
        return fail(p, "bad connector '%.*s': expected a connector name "
                    "such as HDMI-A-1 (1 to %d characters of A-Z, a-z, "
                    "0-9 and '-') or *", echo_len(len), s,
                    LESSOR_CONNECTOR_NAME_MAX);
    }
    memcpy(rule->connector, s, len);
    rule->connector[len] = '\0';
    return true;
}

/*
 * One line, without its "\n".  Returns false on error; *@rule_out is
 * true when the line held a rule (now in @rule).
 */
static bool parse_line(Parser *p, const char *s, size_t len,
                       LessorRule *rule, bool *rule_out)
{
    const char *field[MAX_FIELDS];
    size_t flen[MAX_FIELDS];
    size_t nfields = 0;
    size_t i, end;

    *rule_out = false;
    if (len > LESSOR_POLICY_MAX_LINE) {
        return fail(p, "line longer than %d characters",
                    LESSOR_POLICY_MAX_LINE);
    }
    /* NUL is wrong even in a comment: the file is not text */
    if (memchr(s, '\0', len)) {
        return fail(p, "NUL byte: this is not a text file");
    }
    /* A comment runs from '#' to the end of the line */
    end = len;
    for (i = 0; i < len; i++) {
        unsigned char c = s[i];

        if (c == '#') {
            end = i;
            break;
        }
        if (!is_blank(c) && (c < 0x21 || c > 0x7e)) {
            return fail(p, "byte 0x%02x outside a comment: rules are "
                        "printable ASCII", c);
        }
    }

    i = 0;
    while (i < end) {
        size_t start;

        while (i < end && is_blank(s[i])) {
            i++;
        }
        if (i == end) {
            break;
        }
        start = i;
        while (i < end && !is_blank(s[i])) {
            i++;
        }
        if (nfields == MAX_FIELDS) {
            break;
        }
        field[nfields] = s + start;
        flen[nfields] = i - start;
        nfields++;
    }
    if (nfields == 0) {
        return true;
    }

    if (flen[0] != 5 || memcmp(field[0], "allow", 5) != 0) {
        return fail(p, "unknown keyword '%.*s': expected "
                    "'allow <who> <connector>'", echo_len(flen[0]),
                    field[0]);
    }
    if (nfields < 2) {
        return fail(p, "missing subject and connector: expected "
                    "'allow <who> <connector>'");
    }
    if (nfields < 3) {
        return fail(p, "missing connector: expected "
                    "'allow <who> <connector>' (* for any connector)");
    }
    if (nfields > 3) {
        return fail(p, "too many fields: expected 'allow <who> <connector>' "
                    "(one subject per line)");
    }
    memset(rule, 0, sizeof(*rule));
    if (!parse_who(p, field[1], flen[1], rule) ||
        !parse_connector(p, field[2], flen[2], rule)) {
        return false;
    }
    rule->line = p->line;
    *rule_out = true;
    return true;
}

bool lessor_policy_parse(const char *text, size_t len, const char *filename,
                         LessorPolicy *policy, char *err, size_t err_size)
{
    Parser p = {
        .filename = filename, .line = 0, .err = err, .err_size = err_size,
    };
    LessorRule *rules = NULL;
    size_t n_rules = 0, cap = 0;
    size_t pos = 0;

    policy->rules = NULL;
    policy->n_rules = 0;
    if (err_size) {
        err[0] = '\0';
    }
    if (len > LESSOR_POLICY_MAX_BYTES) {
        return fail(&p, "larger than %d bytes: is this the policy file?",
                    LESSOR_POLICY_MAX_BYTES);
    }

    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - (text + pos)) : len - pos;
        LessorRule rule;
        bool got_rule;

        p.line++;
        if (!parse_line(&p, text + pos, line_len, &rule, &got_rule)) {
            free(rules);
            return false;
        }
        if (got_rule) {
            if (n_rules == LESSOR_POLICY_MAX_RULES) {
                free(rules);
                return fail(&p, "more than %d rules: use group: and * "
                            "rules instead", LESSOR_POLICY_MAX_RULES);
            }
            if (n_rules == cap) {
                size_t new_cap = cap ? cap * 2 : 16;
                LessorRule *n = realloc(rules, new_cap * sizeof(*rules));

                if (!n) {
                    free(rules);
                    return fail(&p, "out of memory");
                }
                rules = n;
                cap = new_cap;
            }
            rules[n_rules++] = rule;
        }
        pos += line_len + 1;
    }

    policy->rules = rules;
    policy->n_rules = n_rules;
    return true;
}

bool lessor_policy_allow_all(LessorPolicy *policy)
{
    LessorRule *rule = calloc(1, sizeof(*rule));

    policy->rules = rule;
    policy->n_rules = rule ? 1 : 0;
    if (!rule) {
        return false;
    }
    rule->who = LESSOR_WHO_ANY;
    rule->connector[0] = '*';
    return true;
}

void lessor_policy_clear(LessorPolicy *policy)
{
    free(policy->rules);
    policy->rules = NULL;
    policy->n_rules = 0;
}

static bool who_matches(const LessorRule *rule, const LessorPeer *peer)
{
    size_t i;

    switch (rule->who) {
    case LESSOR_WHO_ANY:
        return true;
    case LESSOR_WHO_USER:
        return peer->user && strcmp(peer->user, rule->name) == 0;
    case LESSOR_WHO_UID:
        return (unsigned long)peer->uid == rule->id;
    case LESSOR_WHO_GROUP:
        for (i = 0; i < peer->n_groups; i++) {
            if (peer->group_names && peer->group_names[i] &&
                strcmp(peer->group_names[i], rule->name) == 0) {
                return true;
            }
        }
        return false;
    case LESSOR_WHO_GID:
        for (i = 0; i < peer->n_groups; i++) {
            if ((unsigned long)peer->gids[i] == rule->id) {
                return true;
            }
        }
        return false;
    }
    return false;
}

const LessorRule *lessor_policy_match(const LessorPolicy *policy,
                                      const LessorPeer *peer,
                                      const char *connector)
{
    size_t i;

    for (i = 0; i < policy->n_rules; i++) {
        const LessorRule *rule = &policy->rules[i];

        if (strcmp(rule->connector, "*") != 0 &&
            strcmp(rule->connector, connector) != 0) {
            continue;
        }
        if (who_matches(rule, peer)) {
            return rule;
        }
    }
    return NULL;
}
