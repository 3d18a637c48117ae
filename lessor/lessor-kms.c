/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kms-lessord: which connector, CRTC and planes go into a lease, pure.
 *
 * See lessor-kms.h.  The kernel does not stop two lessees from being
 * given the same object, so the "leased" flags set here from the
 * daemon's own table are what keeps leases exclusive.
 */
#include <stdlib.h>
#include <string.h>

#include "lessor-kms.h"

void lessor_kms_clear(LessorKms *kms)
{
    free(kms->connectors);
    free(kms->planes);
    memset(kms, 0, sizeof(*kms));
}

long lessor_kms_find_connector(const LessorKms *kms, const char *name)
{
    size_t i;

    for (i = 0; i < kms->n_connectors; i++) {
        if (strcmp(kms->connectors[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

static bool id_in(uint32_t id, const uint32_t *ids, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (ids[i] == id) {
            return true;
        }
    }
    return false;
}

void lessor_kms_mark_leased(LessorKms *kms, const uint32_t *ids, size_t n)
{
    size_t i;

    for (i = 0; i < kms->n_connectors; i++) {
        if (id_in(kms->connectors[i].id, ids, n)) {
            kms->connectors[i].leased = true;
        }
    }
    for (i = 0; i < kms->n_crtcs; i++) {
        if (id_in(kms->crtcs[i].id, ids, n)) {
            kms->crtcs[i].leased = true;
        }
    }
    for (i = 0; i < kms->n_planes; i++) {
        if (id_in(kms->planes[i].id, ids, n)) {
            kms->planes[i].leased = true;
        }
    }
}

static unsigned popcount32(uint32_t v)
{
    return __builtin_popcount(v);
}

/* Index of the best free plane of @type for CRTC @crtc, or -1 */
static long pick_plane(const LessorKms *kms, size_t crtc, LessorPlaneType type)
{
    long best = -1;
    unsigned best_score = 0;
    size_t i;

    for (i = 0; i < kms->n_planes; i++) {
        const LessorKmsPlane *plane = &kms->planes[i];
        unsigned score;

        if (plane->type != type || plane->leased ||
            !(plane->possible_crtcs & (1u << crtc))) {
            continue;
        }
        /* On the CRTC now: 0; else the fewer CRTCs it serves the better */
        score = plane->crtc_id == kms->crtcs[crtc].id ?
                0 : popcount32(plane->possible_crtcs);
        if (best < 0 || score < best_score) {
            best = i;
            best_score = score;
        }
    }
    return best;
}

/* Whether CRTC @crtc_id drives a connector other than @index */
static bool crtc_busy_elsewhere(const LessorKms *kms, uint32_t crtc_id,
                                size_t index)
{
    size_t i;

    for (i = 0; i < kms->n_connectors; i++) {
        if (i != index && kms->connectors[i].crtc_id == crtc_id) {
            return true;
        }
    }
    return false;
}

LessorPickResult lessor_kms_pick(const LessorKms *kms, size_t index,
                                 LessorLeaseIds *ids)
{
    const LessorKmsConnector *conn;
    uint32_t possible;
    long best_crtc = -1, best_plane = -1, cursor;
    unsigned best_score = 0;
    bool free_crtc = false;
    size_t i;

    memset(ids, 0, sizeof(*ids));
    if (index >= kms->n_connectors) {
        return LESSOR_PICK_NO_CRTC;
    }
    conn = &kms->connectors[index];
    if (conn->leased) {
        return LESSOR_PICK_CONNECTOR_LEASED;
    }
    possible = conn->possible_crtcs;
    if (kms->n_crtcs < 32) {
        possible &= (1u << kms->n_crtcs) - 1;
    }
    if (!possible) {
        return LESSOR_PICK_NO_CRTC;
    }

    for (i = 0; i < kms->n_crtcs; i++) {
        const LessorKmsCrtc *crtc = &kms->crtcs[i];
        unsigned score;
        long plane;

        if (!(possible & (1u << i)) || crtc->leased) {
            continue;
        }
        free_crtc = true;
        plane = pick_plane(kms, i, LESSOR_PLANE_PRIMARY);
        if (plane < 0) {
            continue;
        }
        /* Driving this connector: 0; idle: 1; driving another one: 2 */
        if (crtc->id == conn->crtc_id) {
            score = 0;
        } else if (!crtc_busy_elsewhere(kms, crtc->id, index)) {
            score = 1;
        } else {
            score = 2;
        }
        if (best_crtc < 0 || score < best_score) {
            best_crtc = i;
            best_plane = plane;
            best_score = score;
        }
    }
    if (best_crtc < 0) {
        return free_crtc ? LESSOR_PICK_NO_PLANE : LESSOR_PICK_CRTCS_LEASED;
    }

    cursor = pick_plane(kms, best_crtc, LESSOR_PLANE_CURSOR);
    ids->connector_id = conn->id;
    ids->crtc_id = kms->crtcs[best_crtc].id;
    ids->plane_id = kms->planes[best_plane].id;
    ids->cursor_plane_id = cursor < 0 ? 0 : kms->planes[cursor].id;
    return LESSOR_PICK_OK;
}
