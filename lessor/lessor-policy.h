/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kms-lessord policy: who may lease which connector; parser and matcher.
 *
 * Pure: the caller reads the file and resolves the peer's names and
 * groups (kms-lessord.c does it from SO_PEERCRED), so test-lessor.c can
 * check every rule without users, groups or a DRM device.  The format is
 * in kms-lessord.8 and docs/LESSOR.md.
 */
#ifndef LESSOR_POLICY_H
#define LESSOR_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lessor-proto.h"

/* Limits that keep a broken or hostile file from costing much */
#define LESSOR_POLICY_MAX_BYTES (1024 * 1024)
#define LESSOR_POLICY_MAX_LINE 1024         /* characters, without "\n" */
#define LESSOR_POLICY_MAX_RULES 4096
#define LESSOR_POLICY_NAME_MAX 64           /* user and group names */

typedef enum LessorWho {
    LESSOR_WHO_ANY,         /* * */
    LESSOR_WHO_USER,        /* user:NAME */
    LESSOR_WHO_UID,         /* uid:N */
    LESSOR_WHO_GROUP,       /* group:NAME */
    LESSOR_WHO_GID,         /* gid:N */
} LessorWho;

typedef struct LessorRule {
    LessorWho who;
    unsigned long id;                           /* UID, GID */
    char name[LESSOR_POLICY_NAME_MAX + 1];      /* USER, GROUP */
    char connector[LESSOR_CONNECTOR_NAME_MAX + 1];  /* or "*" */
    unsigned line;
} LessorRule;

typedef struct LessorPolicy {
    LessorRule *rules;
    size_t n_rules;
} LessorPolicy;

/*
 * Who is asking.  @gids[0] is the primary group, the rest supplementary;
 * @group_names runs parallel to @gids.  @user and any group name may be
 * NULL when the system has no name for the ID: name rules then do not
 * match, ID rules still do.
 */
typedef struct LessorPeer {
    uid_t uid;
    const char *user;
    const gid_t *gids;
    const char *const *group_names;
    size_t n_groups;
} LessorPeer;

/*
 * Parse a whole policy file.  On success fill @policy (free it with
 * lessor_policy_clear()) and return true; on error leave @policy empty
 * and write "FILE:LINE: what is wrong" into @err.  @filename only appears
 * in messages.
 */
bool lessor_policy_parse(const char *text, size_t len, const char *filename,
                         LessorPolicy *policy, char *err, size_t err_size);

/* The policy --allow-all stands for: one "allow * *" rule */
bool lessor_policy_allow_all(LessorPolicy *policy);

void lessor_policy_clear(LessorPolicy *policy);

/* The first rule letting @peer lease @connector, or NULL: deny */
const LessorRule *lessor_policy_match(const LessorPolicy *policy,
                                      const LessorPeer *peer,
                                      const char *connector);

#endif /* LESSOR_POLICY_H */
