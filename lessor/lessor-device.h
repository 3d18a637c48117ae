/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kms-lessord: the device the daemon leases from.
 *
 * kms-lessord.c calls only these functions.  lessor-drm.c implements them
 * on a DRM card (the daemon); lessor-fake.c on a fixed in-memory topology
 * (kms-lessord-fake, which test-lessord.c drives through the real socket
 * and event loop where no KMS device exists).
 */
#ifndef LESSOR_DEVICE_H
#define LESSOR_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "lessor-kms.h"

typedef struct LessorDevice LessorDevice;

/*
 * Open @path, or with @path NULL the first /dev/dri/card* that makes us
 * DRM master and has connectors; become master and probe connectors once.
 * NULL on failure, with a sentence in @err.
 */
LessorDevice *lessor_device_open(const char *path, char *err, size_t err_size);

const char *lessor_device_path(const LessorDevice *dev);

/*
 * Fill @kms (leased flags false) from the device's current state, without
 * forcing a connector probe.  0 or -errno; -ENODEV once the device is
 * gone.
 */
int lessor_device_snapshot(LessorDevice *dev, LessorKms *kms);

/* Lease @objects; the lease fd (O_CLOEXEC) or -errno */
int lessor_device_create_lease(LessorDevice *dev, const uint32_t *objects,
                               size_t n, uint32_t *lessee_id);

/* 0 or -errno (-ENOENT: the lessee is already gone) */
int lessor_device_revoke_lease(LessorDevice *dev, uint32_t lessee_id);

void lessor_device_close(LessorDevice *dev);

#endif /* LESSOR_DEVICE_H */
