/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kms-lessord-fake: lessor-device.h on a fixed in-memory KMS device.
 *
 * Linked instead of lessor-drm.c into kms-lessord-fake so test-lessord.c
 * can run the real event loop, socket and policy code on a machine with
 * no DRM device.  Like the kernel it hands out a new fd per lease (a
 * memfd named after the lessee), and unlike the kernel it aborts when
 * asked to lease an object twice, or to revoke a lessee whose fd the
 * daemon no longer holds (the kernel frees such a lessee and reuses its
 * ID, so the revocation could hit another client's lease): those would
 * be daemon bugs.
 *
 * If the file named by $LESSOR_FAKE_GONE exists, every call fails with
 * ENODEV, as after a hot-unplug.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lessor-device.h"

#define MAX_LEASES 16

typedef struct FakeLease {
    uint32_t lessee_id;
    uint32_t objects[LESSOR_LEASE_MAX_OBJECTS];
    size_t n;
} FakeLease;

struct LessorDevice {
    char path[256];
    uint32_t next_lessee;
    FakeLease leases[MAX_LEASES];
};

/* The topology test-lessord.c expects; keep the two in step */
static const LessorKmsConnector fake_connectors[] = {
    { 50, "HDMI-A-1", LESSOR_CONN_CONNECTED, 0x3, 40, false },
    { 51, "Virtual-1", LESSOR_CONN_CONNECTED, 0x3, 0, false },
    { 52, "HDMI-A-2", LESSOR_CONN_DISCONNECTED, 0x3, 0, false },
    { 53, "DSI-1", LESSOR_CONN_CONNECTED, 0x2, 0, false },   /* refused */
    { 54, "Virtual-2", LESSOR_CONN_UNKNOWN, 0x3, 0, false },
};
static const uint32_t fake_crtcs[] = { 40, 41 };
static const LessorKmsPlane fake_planes[] = {
    { 60, LESSOR_PLANE_PRIMARY, 0x1, 40, false },
    { 61, LESSOR_PLANE_PRIMARY, 0x2, 0, false },
    { 62, LESSOR_PLANE_CURSOR, 0x1, 0, false },
    { 63, LESSOR_PLANE_OVERLAY, 0x3, 0, false },
};
#define REFUSED_CONNECTOR 53

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool gone(void)
{
    const char *flag = getenv("LESSOR_FAKE_GONE");

    return flag && access(flag, F_OK) == 0;
}

LessorDevice *lessor_device_open(const char *path, char *err, size_t err_size)
{
    LessorDevice *dev;

    if (gone()) {
        snprintf(err, err_size, "cannot open %s: %s", path ? path : "fake",
                 strerror(ENODEV));
        return NULL;
    }
    dev = calloc(1, sizeof(*dev));
    if (!dev) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    snprintf(dev->path, sizeof(dev->path), "%s", path ? path : "fake-card0");
    dev->next_lessee = 100;
    return dev;
}

const char *lessor_device_path(const LessorDevice *dev)
{
    return dev->path;
}

int lessor_device_snapshot(LessorDevice *dev, LessorKms *kms)
{
    size_t i;

    (void)dev;
    memset(kms, 0, sizeof(*kms));
    if (gone()) {
        return -ENODEV;
    }
    kms->connectors = calloc(ARRAY_SIZE(fake_connectors),
                             sizeof(*kms->connectors));
    kms->planes = calloc(ARRAY_SIZE(fake_planes), sizeof(*kms->planes));
    if (!kms->connectors || !kms->planes) {
        lessor_kms_clear(kms);
        return -ENOMEM;
    }
    memcpy(kms->connectors, fake_connectors, sizeof(fake_connectors));
    kms->n_connectors = ARRAY_SIZE(fake_connectors);
    memcpy(kms->planes, fake_planes, sizeof(fake_planes));
    kms->n_planes = ARRAY_SIZE(fake_planes);
    for (i = 0; i < ARRAY_SIZE(fake_crtcs); i++) {
        kms->crtcs[i].id = fake_crtcs[i];
    }
    kms->n_crtcs = ARRAY_SIZE(fake_crtcs);
    return 0;
}

int lessor_device_create_lease(LessorDevice *dev, const uint32_t *objects,
                               size_t n, uint32_t *lessee_id)
{
    FakeLease *slot = NULL;
    char name[32];
    size_t i, j, k;
    int fd;

    if (gone()) {
        return -ENODEV;
    }
    if (n < 3 || n > LESSOR_LEASE_MAX_OBJECTS) {
        return -EINVAL;
    }
    for (i = 0; i < n; i++) {
        if (objects[i] == REFUSED_CONNECTOR) {
            return -EINVAL;
        }
        for (j = 0; j < MAX_LEASES; j++) {
            for (k = 0; k < dev->leases[j].n; k++) {
                if (dev->leases[j].objects[k] == objects[i]) {
                    fprintf(stderr, "fake-kms: object %u leased twice\n",
                            objects[i]);
                    abort();
                }
            }
        }
    }
    for (j = 0; j < MAX_LEASES && !slot; j++) {
        if (!dev->leases[j].n) {
            slot = &dev->leases[j];
        }
    }
    if (!slot) {
        return -ENOSPC;
    }
    snprintf(name, sizeof(name), "fake-lease-%u", dev->next_lessee);
    fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    slot->lessee_id = dev->next_lessee++;
    memcpy(slot->objects, objects, n * sizeof(*objects));
    slot->n = n;
    *lessee_id = slot->lessee_id;
    return fd;
}

/* Whether this process has an fd of lessee @lessee_id's memfd open */
static bool holds_lease_fd(uint32_t lessee_id)
{
    char want[64], link[PATH_MAX], target[PATH_MAX];
    struct dirent *e;
    bool found = false;
    DIR *dir;
    ssize_t n;

    dir = opendir("/proc/self/fd");
    if (!dir) {
        return true;    /* cannot tell: assume the best */
    }
    snprintf(want, sizeof(want), "/memfd:fake-lease-%u ", lessee_id);
    while (!found && (e = readdir(dir))) {
        snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
        n = readlink(link, target, sizeof(target) - 1);
        if (n > 0) {
            target[n] = '\0';
            found = strstr(target, want) != NULL;
        }
    }
    closedir(dir);
    return found;
}

int lessor_device_revoke_lease(LessorDevice *dev, uint32_t lessee_id)
{
    size_t j;

    if (gone()) {
        return -ENODEV;
    }
    for (j = 0; j < MAX_LEASES; j++) {
        if (dev->leases[j].n && dev->leases[j].lessee_id == lessee_id) {
            if (!holds_lease_fd(lessee_id)) {
                fprintf(stderr, "fake-kms: revoking lessee %u without "
                        "holding its fd: the kernel may have given its ID "
                        "to another lease\n", lessee_id);
                abort();
            }
            dev->leases[j].n = 0;
            return 0;
        }
    }
    return -ENOENT;
}

void lessor_device_close(LessorDevice *dev)
{
    size_t j, n = 0;

    if (!dev) {
        return;
    }
    for (j = 0; j < MAX_LEASES; j++) {
        n += dev->leases[j].n != 0;
    }
    fprintf(stderr, "fake-kms: closed with %zu leases outstanding\n", n);
    free(dev);
}
