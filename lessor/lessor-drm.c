/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kms-lessord: the DRM card it leases from (lessor-device.h on libdrm).
 *
 * The only file that calls libdrm.  It reads the card into a LessorKms
 * snapshot for lessor-kms.c to choose from, and creates and revokes
 * leases; the event loop in kms-lessord.c decides when.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "lessor-device.h"

/* How many /dev/dri/cardN the automatic choice tries */
#define MAX_CARDS 64

/* Linux 6.8's; older libdrm headers (bookworm's 2.4.114) lack it */
#ifndef DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT
#define DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT 6
#endif

struct LessorDevice {
    int fd;
    uint32_t type_prop_id;      /* the planes' "type" property, 0: unknown */
    char path[PATH_MAX];
};

#ifdef HAVE_DRM_CONNECTOR_TYPE_NAME
static const char *connector_type_name(uint32_t type)
{
    return drmModeGetConnectorTypeName(type);
}
#else
/* libdrm before drmModeGetConnectorTypeName(): the kernel's names */
static const char *connector_type_name(uint32_t type)
{
    static const char *const names[] = {
        "Unknown", "VGA", "DVI-I", "DVI-D", "DVI-A", "Composite", "SVIDEO",
        "LVDS", "Component", "DIN", "DP", "HDMI-A", "HDMI-B", "TV", "eDP",
        "Virtual", "DSI", "DPI", "Writeback", "SPI", "USB",
    };

    if (type >= sizeof(names) / sizeof(names[0])) {
        return NULL;
    }
    return names[type];
}
#endif

static int neg_errno(void)
{
    return errno ? -errno : -EIO;
}

/* Open one card and make it ours; false with @err set if it is unusable */
static bool open_card(LessorDevice *dev, const char *path, char *err,
                      size_t err_size)
{
    drmVersion *version;
    drmModeRes *res;
    int fd, i;

    fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, err_size, "cannot open %s: %s", path, strerror(errno));
        return false;
    }
    version = drmGetVersion(fd);
    if (!version) {
        snprintf(err, err_size, "%s is not a DRM device: %s", path,
                 strerror(errno));
        close(fd);
        return false;
    }
    drmFreeVersion(version);
    /*
     * The first opener of a card with no master becomes master; only
     * then, or with CAP_SYS_ADMIN, may SET_MASTER succeed.  Ask first so
     * that kernels before 5.8 (SET_MASTER root only) work without it.
     */
    if (drmIsMaster(fd) != 1 && drmSetMaster(fd) != 0) {
        snprintf(err, err_size, "cannot become DRM master of %s: %s: "
                 "another process (a compositor, display manager or "
                 "kms-lessord) holds it; stop that process first",
                 path, strerror(errno));
        close(fd);
        return false;
    }
    if (drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) != 0) {
        snprintf(err, err_size, "%s: the driver does not expose universal "
                 "planes (%s): it cannot lease planes", path,
                 strerror(errno));
        close(fd);
        return false;
    }
    /* Not fatal: a legacy-only driver still leases; lessees find out */
    drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1);
    /*
     * Since Linux 6.8 the drivers of virtual GPUs (virtio-gpu, vmwgfx,
     * qxl, vboxvideo) hide their cursor planes from atomic clients that
     * do not promise to set the cursor hotspot: without this cap we would
     * never see, so never lease, a cursor plane there.  We never commit;
     * a lessee sets its own caps, and one without this cap does not see
     * the cursor plane of its lease.  Other drivers and older kernels
     * refuse the cap, which is fine.
     */
    drmSetClientCap(fd, DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT, 1);

    res = drmModeGetResources(fd);
    if (!res) {
        snprintf(err, err_size, "%s is not a KMS device: %s", path,
                 strerror(errno));
        close(fd);
        return false;
    }
    if (res->count_connectors == 0 || res->count_crtcs == 0) {
        snprintf(err, err_size, "%s has no connectors or no CRTCs", path);
        drmModeFreeResources(res);
        close(fd);
        return false;
    }
    /* Probe each connector once; later snapshots read the cached state */
    for (i = 0; i < res->count_connectors; i++) {
        drmModeFreeConnector(drmModeGetConnector(fd, res->connectors[i]));
    }
    drmModeFreeResources(res);

    dev->fd = fd;
    snprintf(dev->path, sizeof(dev->path), "%s", path);
    return true;
}

static int card_filter(const struct dirent *d)
{
    const char *p;

    if (strncmp(d->d_name, "card", 4) != 0 || !d->d_name[4]) {
        return 0;
    }
    for (p = d->d_name + 4; *p; p++) {
        if (*p < '0' || *p > '9') {
            return 0;
        }
    }
    return 1;
}

/* Numeric order of the digits after "card": card2 before card10 */
static int card_compare(const struct dirent **a, const struct dirent **b)
{
    size_t la = strlen((*a)->d_name), lb = strlen((*b)->d_name);

    if (la != lb) {
        return la < lb ? -1 : 1;
    }
    return strcmp((*a)->d_name, (*b)->d_name);
}

static bool open_first_card(LessorDevice *dev, char *err, size_t err_size)
{
    struct dirent **names;
    char path[PATH_MAX];
    bool ok = false;
    int n, i;

    n = scandir("/dev/dri", &names, card_filter, card_compare);
    if (n < 0) {
        snprintf(err, err_size, "cannot list /dev/dri: %s: is a DRM driver "
                 "loaded? Name the card with --device", strerror(errno));
        return false;
    }
    if (n == 0) {
        snprintf(err, err_size, "no /dev/dri/card* found: is a KMS driver "
                 "loaded? Name the card with --device");
    }
    for (i = 0; i < n; i++) {
        if (!ok && i < MAX_CARDS) {
            snprintf(path, sizeof(path), "/dev/dri/%s", names[i]->d_name);
            /* Keep the last card's reason if none is usable */
            ok = open_card(dev, path, err, err_size);
        }
        free(names[i]);
    }
    free(names);
    return ok;
}

LessorDevice *lessor_device_open(const char *path, char *err, size_t err_size)
{
    LessorDevice *dev = calloc(1, sizeof(*dev));
    bool ok;

    if (!dev) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    dev->fd = -1;
    ok = path ? open_card(dev, path, err, err_size) :
                open_first_card(dev, err, err_size);
    if (!ok) {
        free(dev);
        return NULL;
    }
    return dev;
}

const char *lessor_device_path(const LessorDevice *dev)
{
    return dev->path;
}

typedef struct Encoder {
    uint32_t id;
    uint32_t possible_crtcs;
    uint32_t crtc_id;
} Encoder;

static const Encoder *find_encoder(const Encoder *enc, int n, uint32_t id)
{
    int i;

    for (i = 0; i < n; i++) {
        if (enc[i].id == id && id) {
            return &enc[i];
        }
    }
    return NULL;
}

/* A plane's "type" property; -errno on failure */
static int plane_type(LessorDevice *dev, uint32_t plane_id,
                      LessorPlaneType *type)
{
    drmModeObjectProperties *props;
    uint32_t i;

    props = drmModeObjectGetProperties(dev->fd, plane_id,
                                       DRM_MODE_OBJECT_PLANE);
    if (!props) {
        return neg_errno();
    }
    for (i = 0; i < props->count_props; i++) {
        if (!dev->type_prop_id) {
            drmModePropertyRes *prop = drmModeGetProperty(dev->fd,
                                                          props->props[i]);

            if (prop && strcmp(prop->name, "type") == 0) {
                dev->type_prop_id = prop->prop_id;
            }
            drmModeFreeProperty(prop);
        }
        if (dev->type_prop_id && props->props[i] == dev->type_prop_id) {
            switch (props->prop_values[i]) {
            case DRM_PLANE_TYPE_PRIMARY:
                *type = LESSOR_PLANE_PRIMARY;
                break;
            case DRM_PLANE_TYPE_CURSOR:
                *type = LESSOR_PLANE_CURSOR;
                break;
            default:
                *type = LESSOR_PLANE_OVERLAY;
                break;
            }
            drmModeFreeObjectProperties(props);
            return 0;
        }
    }
    drmModeFreeObjectProperties(props);
    /* No "type": not a universal-planes kernel; never pick it */
    *type = LESSOR_PLANE_OVERLAY;
    return 0;
}

static LessorConnStatus conn_status(drmModeConnection c)
{
    switch (c) {
    case DRM_MODE_CONNECTED:
        return LESSOR_CONN_CONNECTED;
    case DRM_MODE_DISCONNECTED:
        return LESSOR_CONN_DISCONNECTED;
    default:
        return LESSOR_CONN_UNKNOWN;
    }
}

static int read_connectors(LessorDevice *dev, const drmModeRes *res,
                           LessorKms *kms)
{
    Encoder *enc;
    int i, j, ret = 0;

    enc = calloc(res->count_encoders ? res->count_encoders : 1, sizeof(*enc));
    kms->connectors = calloc(res->count_connectors ? res->count_connectors : 1,
                             sizeof(*kms->connectors));
    if (!enc || !kms->connectors) {
        free(enc);
        return -ENOMEM;
    }
    for (i = 0; i < res->count_encoders; i++) {
        drmModeEncoder *e = drmModeGetEncoder(dev->fd, res->encoders[i]);

        if (!e) {
            if (errno == ENODEV) {
                ret = -ENODEV;
                goto out;
            }
            continue;   /* gone since GetResources: skip it */
        }
        enc[i].id = e->encoder_id;
        enc[i].possible_crtcs = e->possible_crtcs;
        enc[i].crtc_id = e->crtc_id;
        drmModeFreeEncoder(e);
    }

    for (i = 0; i < res->count_connectors; i++) {
        LessorKmsConnector *kc = &kms->connectors[kms->n_connectors];
        drmModeConnector *c;
        const Encoder *cur;

        c = drmModeGetConnectorCurrent(dev->fd, res->connectors[i]);
        if (!c) {
            if (errno == ENODEV) {
                ret = -ENODEV;
                goto out;
            }
            continue;   /* unplugged (DP MST) since GetResources */
        }
        kc->id = c->connector_id;
        lessor_connector_name(kc->name, sizeof(kc->name),
                              connector_type_name(c->connector_type),
                              c->connector_type, c->connector_type_id);
        kc->status = conn_status(c->connection);
        for (j = 0; j < c->count_encoders; j++) {
            const Encoder *e = find_encoder(enc, res->count_encoders,
                                            c->encoders[j]);

            if (e) {
                kc->possible_crtcs |= e->possible_crtcs;
            }
        }
        cur = find_encoder(enc, res->count_encoders, c->encoder_id);
        kc->crtc_id = cur ? cur->crtc_id : 0;
        drmModeFreeConnector(c);
        kms->n_connectors++;
    }
out:
    free(enc);
    return ret;
}

static int read_planes(LessorDevice *dev, LessorKms *kms)
{
    drmModePlaneRes *pres;
    uint32_t i;
    int ret = 0;

    pres = drmModeGetPlaneResources(dev->fd);
    if (!pres) {
        return neg_errno();
    }
    kms->planes = calloc(pres->count_planes ? pres->count_planes : 1,
                         sizeof(*kms->planes));
    if (!kms->planes) {
        drmModeFreePlaneResources(pres);
        return -ENOMEM;
    }
    for (i = 0; i < pres->count_planes; i++) {
        LessorKmsPlane *kp = &kms->planes[kms->n_planes];
        drmModePlane *p = drmModeGetPlane(dev->fd, pres->planes[i]);

        if (!p) {
            if (errno == ENODEV) {
                ret = -ENODEV;
                break;
            }
            continue;
        }
        kp->id = p->plane_id;
        kp->possible_crtcs = p->possible_crtcs;
        kp->crtc_id = p->crtc_id;
        drmModeFreePlane(p);
        ret = plane_type(dev, kp->id, &kp->type);
        if (ret == -ENODEV) {
            break;
        }
        ret = 0;
        kms->n_planes++;
    }
    drmModeFreePlaneResources(pres);
    return ret;
}

int lessor_device_snapshot(LessorDevice *dev, LessorKms *kms)
{
    drmModeRes *res;
    int i, ret;

    memset(kms, 0, sizeof(*kms));
    res = drmModeGetResources(dev->fd);
    if (!res) {
        return neg_errno();
    }
    for (i = 0; i < res->count_crtcs && i < LESSOR_KMS_MAX_CRTCS; i++) {
        kms->crtcs[i].id = res->crtcs[i];
    }
    kms->n_crtcs = i;

    ret = read_connectors(dev, res, kms);
    if (ret == 0) {
        ret = read_planes(dev, kms);
    }
    drmModeFreeResources(res);
    if (ret < 0) {
        lessor_kms_clear(kms);
    }
    return ret;
}

int lessor_device_create_lease(LessorDevice *dev, const uint32_t *objects,
                               size_t n, uint32_t *lessee_id)
{
    int fd;

    fd = drmModeCreateLease(dev->fd, objects, (int)n, O_CLOEXEC, lessee_id);
    if (fd < 0) {
        /* libdrm returns -errno here, but be safe with -1 */
        return fd == -1 ? neg_errno() : fd;
    }
    return fd;
}

int lessor_device_revoke_lease(LessorDevice *dev, uint32_t lessee_id)
{
    int ret = drmModeRevokeLease(dev->fd, lessee_id);

    if (ret < 0) {
        return ret == -1 ? neg_errno() : ret;
    }
    return 0;
}

void lessor_device_close(LessorDevice *dev)
{
    if (dev) {
        close(dev->fd);
        free(dev);
    }
}
