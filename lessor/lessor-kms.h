/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kms-lessord's view of a KMS device, and the choice of objects to lease.
 *
 * A LessorKms is a snapshot of connectors, CRTCs and planes in plain
 * structs: lessor-drm.c fills it from the kernel, lessor-fake.c from a
 * fixed table, test-lessor.c by hand.  lessor_kms_pick() is pure.
 */
#ifndef LESSOR_KMS_H
#define LESSOR_KMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lessor-proto.h"

/* possible_crtcs is a 32-bit mask: no device has more CRTCs */
#define LESSOR_KMS_MAX_CRTCS 32

/* Objects in one lease: connector, CRTC, primary plane, cursor plane */
#define LESSOR_LEASE_MAX_OBJECTS 4

typedef enum LessorPlaneType {
    LESSOR_PLANE_OVERLAY,
    LESSOR_PLANE_PRIMARY,
    LESSOR_PLANE_CURSOR,
} LessorPlaneType;

typedef struct LessorKmsConnector {
    uint32_t id;
    char name[LESSOR_CONNECTOR_NAME_MAX + 1];
    LessorConnStatus status;
    uint32_t possible_crtcs;    /* union over the connector's encoders */
    uint32_t crtc_id;           /* CRTC driving it now, 0: none */
    bool leased;
} LessorKmsConnector;

typedef struct LessorKmsCrtc {
    uint32_t id;
    bool leased;
} LessorKmsCrtc;

typedef struct LessorKmsPlane {
    uint32_t id;
    LessorPlaneType type;
    uint32_t possible_crtcs;
    uint32_t crtc_id;           /* CRTC it is on now, 0: none */
    bool leased;
} LessorKmsPlane;

typedef struct LessorKms {
    LessorKmsConnector *connectors;
    size_t n_connectors;
    LessorKmsCrtc crtcs[LESSOR_KMS_MAX_CRTCS];
    size_t n_crtcs;
    LessorKmsPlane *planes;
    size_t n_planes;
} LessorKms;

typedef enum LessorPickResult {
    LESSOR_PICK_OK,
    LESSOR_PICK_CONNECTOR_LEASED,   /* the connector itself is taken */
    LESSOR_PICK_NO_CRTC,            /* no encoder can drive any CRTC */
    LESSOR_PICK_CRTCS_LEASED,       /* every CRTC it can use is taken */
    LESSOR_PICK_NO_PLANE,           /* free CRTCs, but no free primary */
} LessorPickResult;

void lessor_kms_clear(LessorKms *kms);

/* Index of the connector called @name, or -1 */
long lessor_kms_find_connector(const LessorKms *kms, const char *name);

/* Mark every object whose ID is in @ids as leased */
void lessor_kms_mark_leased(LessorKms *kms, const uint32_t *ids, size_t n);

/*
 * Choose the objects for leasing connector @index: a free CRTC one of its
 * encoders can drive, preferring the one driving it now, then one idle;
 * a free primary plane for that CRTC, preferring the one on it now, then
 * the one usable by fewest CRTCs; a free cursor plane likewise, if any.
 * The IDs go to @ids (lessee_id left 0).
 */
LessorPickResult lessor_kms_pick(const LessorKms *kms, size_t index,
                                 LessorLeaseIds *ids);

#endif /* LESSOR_KMS_H */
