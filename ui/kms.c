/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * QEMU DRM/KMS display: show each graphic console on a KMS connector
 *
 * -display kms drives a display controller directly through DRM/KMS,
 * with no window system: one connector, CRTC and primary plane per
 * graphic console, opened on a card (device=) or leased from a lessor
 * daemon (lease=, see kms-lessord(8) and docs/system/arm/rcar-virt.rst).
 * Frames go to double-buffered dumb buffers: only the damaged rectangles
 * are copied, and a non-blocking atomic commit flips them; the flip event
 * is read by a main loop fd handler.  No threads.  A guest buffer that
 * comes as a dmabuf (virtio-gpu blob resources) is imported with PRIME
 * and scanned out as it is, with no copy, when the card takes it; else
 * it is mapped and copied like a surface.
 *
 * Copyright (c) 2026 The qemu-rcar authors
 */

#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <linux/dma-buf.h>
#include <linux/input.h>
#include <linux/kd.h>
#include <linux/netlink.h>
#include <linux/vt.h>
#include <xf86drm.h>
#include <xf86drmMode.h>
#include <drm_fourcc.h>
#include "qapi/error.h"
#include "qapi/qapi-types-common.h"
#include "qemu/bitops.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qemu/event_notifier.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "system/system.h"
#include "ui/console.h"
#include "ui/dmabuf.h"
#include "ui/qemu-pixman.h"
#include "trace.h"

/* How long to wait before trying a lost card or lease again */
#define KMS_RETRY_MS 1000
/* How long the lessor may take to answer (docs/LESSOR.md) */
#define KMS_LESSOR_TIMEOUT_S 2
/* Framebuffers of guest buffers kept per head (a guest flips 2 or 3) */
#define KMS_IMPORTS 4

typedef struct KmsCard KmsCard;
typedef struct KmsHead KmsHead;

typedef struct KmsBuffer {
    uint32_t handle;
    uint32_t fb_id;
    uint32_t pitch;
    uint64_t size;
    void *map;
    pixman_image_t *image;      /* the mapping, as XRGB8888 */
    pixman_region32_t damage;   /* what it lacks of the current frame */
} KmsBuffer;

typedef struct KmsRect {
    uint32_t x, y, w, h;
} KmsRect;

/* A guest dmabuf made a framebuffer of the card */
typedef struct KmsImport {
    dev_t dev;                  /* which dmabuf: its inode */
    ino_t ino;
    uint32_t width, height, stride, fourcc;
    uint64_t modifier;
    uint32_t handle;
    uint32_t fb_id;             /* 0: the slot is free */
    uint64_t used;              /* for least recently used */
} KmsImport;

/* A guest dmabuf mapped, to copy from it */
typedef struct KmsMapping {
    dev_t dev;                  /* which dmabuf: its inode */
    ino_t ino;
    void *map;                  /* NULL: the slot is free */
    size_t size;
    uint64_t used;
} KmsMapping;

typedef struct KmsProps {
    uint32_t conn_crtc_id;
    uint32_t crtc_active;
    uint32_t crtc_mode_id;
    uint32_t plane_fb_id;
    uint32_t plane_crtc_id;
    uint32_t plane_src_x;
    uint32_t plane_src_y;
    uint32_t plane_src_w;
    uint32_t plane_src_h;
    uint32_t plane_crtc_x;
    uint32_t plane_crtc_y;
    uint32_t plane_crtc_w;
    uint32_t plane_crtc_h;
} KmsProps;

struct KmsHead {
    DisplayChangeListener dcl;
    KmsCard *card;
    char *connector;            /* the name asked for, or NULL: any */
    char *name;                 /* the connector's name once found */

    /* KMS objects, valid while the card is up */
    uint32_t conn_id;
    uint32_t crtc_id;
    uint32_t plane_id;
    drmModeModeInfo mode;
    uint32_t mode_blob;
    KmsProps props;
    KmsBuffer buf[2];
    int front;                  /* buffer on screen, -1: none of them */
    int next_front;             /* the same, once the pending flip is done */
    bool flip_pending;
    KmsImport imports[KMS_IMPORTS];
    KmsImport *import;          /* the guest buffer to scan out, or NULL */
    KmsImport *front_import;    /* the one on screen, or NULL */
    KmsImport *next_import;     /* the same, once the pending flip is done */
    uint64_t import_clock;
    bool up;
    bool unplugged;             /* its connector is disconnected */

    /* what the console shows: a surface, or a guest dmabuf */
    DisplaySurface *surface;
    QemuDmaBuf *dmabuf;
    KmsMapping maps[KMS_IMPORTS]; /* guest dmabufs mapped to copy them */
    uint64_t map_clock;
    pixman_image_t *dmabuf_image;
    bool copy_said;             /* told the user that it is copied */
    bool import_refused;        /* a flip to a guest buffer failed */
    pixman_image_t *src;        /* the picture to copy, or NULL */
    pixman_image_t *scaled;     /* @src scaled to the screen */
    KmsRect dst;                /* where the picture lands on screen */
    bool dirty;                 /* the screen is behind the console */

    /* the guest's pointer, on the CRTC's cursor plane */
    QEMUCursor *cursor;         /* its image, or NULL */
    KmsBuffer cursor_buf;
    bool cursor_on_crtc;        /* @cursor_buf is the CRTC's cursor */
    bool cursor_stale;          /* @cursor_buf does not hold @cursor */
    bool cursor_said;           /* told the user it cannot be shown */
    int mouse_x, mouse_y;
    bool mouse_on;

    uint64_t frames;
    uint64_t bytes_copied;
};

struct KmsCard {
    char *path;                 /* the card's node, or the lessor socket */
    bool lease;
    int fd;
    int sock;                   /* the lessor connection, or -1 */
    bool atomic;
    bool lost;
    int64_t retry_at;
    uint32_t lease_conn, lease_crtc, lease_plane;
    GPtrArray *heads;
};

static DisplayKMS *kms_opts;
static bool kms_show_cursor;

/* The virtual terminal QEMU was started on, if any (see kms_vt_open()) */
#define KMS_VT_RELSIG (SIGRTMIN + 6)
#define KMS_VT_ACQSIG (SIGRTMIN + 7)
static int kms_vt_fd = -1;
static bool kms_vt_away;            /* another VT is shown */
static EventNotifier kms_vt_event;
static volatile sig_atomic_t kms_vt_release_asked, kms_vt_acquire_asked;
static Notifier kms_vt_exit;

/* input-linux objects made for the keyboards and pointers, by evdev path */
static GHashTable *kms_inputs;
static GPtrArray *kms_cards;
static int kms_uevent_fd = -1;
static unsigned long kms_mode_w, kms_mode_h, kms_mode_hz;

static void kms_head_present(KmsHead *h);

/* Is @card given up for a VT switch?  Leases are the lessor's business. */
static bool kms_card_away(KmsCard *card)
{
    return kms_vt_away && !card->lease;
}
static void kms_head_place(KmsHead *h);
static void kms_card_lost(KmsCard *card, const char *why);

static uint32_t kms_prop_id(int fd, uint32_t obj, uint32_t type,
                            const char *name)
{
    drmModeObjectProperties *props;
    uint32_t id = 0;

    props = drmModeObjectGetProperties(fd, obj, type);
    if (!props) {
        return 0;
    }
    for (uint32_t i = 0; i < props->count_props && !id; i++) {
        drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);

        if (p && !strcmp(p->name, name)) {
            id = p->prop_id;
        }
        drmModeFreeProperty(p);
    }
    drmModeFreeObjectProperties(props);
    return id;
}

static uint64_t kms_prop_value(int fd, uint32_t obj, uint32_t type,
                               const char *name, uint64_t dflt)
{
    drmModeObjectProperties *props;
    uint64_t value = dflt;

    props = drmModeObjectGetProperties(fd, obj, type);
    if (!props) {
        return dflt;
    }
    for (uint32_t i = 0; i < props->count_props; i++) {
        drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);

        if (p && !strcmp(p->name, name)) {
            value = props->prop_values[i];
        }
        drmModeFreeProperty(p);
    }
    drmModeFreeObjectProperties(props);
    return value;
}

static char *kms_connector_name(const drmModeConnector *conn)
{
    const char *type = drmModeGetConnectorTypeName(conn->connector_type);

    if (!type) {
        return g_strdup_printf("Unknown%u-%u", conn->connector_type,
                               conn->connector_type_id);
    }
    return g_strdup_printf("%s-%u", type, conn->connector_type_id);
}

/*
 * mode= is WxH or WxH@Hz; without it, the connector's preferred mode.
 */
static bool kms_pick_mode(KmsHead *h, const drmModeConnector *conn,
                          Error **errp)
{
    const char *want = kms_opts->mode;
    unsigned long w = kms_mode_w, ht = kms_mode_h, hz = kms_mode_hz;
    int best = -1;

    if (!conn->count_modes) {
        error_setg(errp, "connector %s offers no mode", h->name);
        return false;
    }
    for (int i = 0; i < conn->count_modes; i++) {
        const drmModeModeInfo *m = &conn->modes[i];

        if (want) {
            if (m->hdisplay != w || m->vdisplay != ht ||
                (hz && m->vrefresh != hz)) {
                continue;
            }
        } else if (!(m->type & DRM_MODE_TYPE_PREFERRED) && best >= 0) {
            continue;
        }
        if (best < 0 || (m->type & DRM_MODE_TYPE_PREFERRED)) {
            best = i;
        }
        if (want) {
            break;
        }
    }
    if (best < 0) {
        g_autoptr(GString) modes = g_string_new("");

        for (int i = 0; i < conn->count_modes; i++) {
            g_string_append_printf(modes, "%s%ux%u@%u", i ? " " : "",
                                   conn->modes[i].hdisplay,
                                   conn->modes[i].vdisplay,
                                   conn->modes[i].vrefresh);
        }
        error_setg(errp, "connector %s has no mode %s; it offers: %s",
                   h->name, want, modes->str);
        return false;
    }
    h->mode = conn->modes[best];
    return true;
}

static void kms_buffer_free(KmsCard *card, KmsBuffer *b)
{
    if (b->image) {
        pixman_image_unref(b->image);
        b->image = NULL;
    }
    if (b->map) {
        munmap(b->map, b->size);
        b->map = NULL;
    }
    if (b->fb_id && card->fd >= 0) {
        drmModeRmFB(card->fd, b->fb_id);
    }
    b->fb_id = 0;
    if (b->handle && card->fd >= 0) {
        drmModeDestroyDumbBuffer(card->fd, b->handle);
    }
    b->handle = 0;
}

/* A @w x @ht dumb buffer of @h's card, @format, mapped */
static bool kms_buffer_alloc(KmsHead *h, KmsBuffer *b, uint32_t w,
                             uint32_t ht, uint32_t format, Error **errp)
{
    int fd = h->card->fd;
    uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
    uint64_t offset;
    int ret;

    ret = drmModeCreateDumbBuffer(fd, w, ht, 32, 0, &b->handle, &b->pitch,
                                  &b->size);
    if (ret) {
        error_setg_errno(errp, -ret, "cannot allocate a %ux%u buffer for %s",
                         w, ht, h->name);
        return false;
    }
    handles[0] = b->handle;
    pitches[0] = b->pitch;
    if (drmModeAddFB2(fd, w, ht, format, handles, pitches, offsets,
                      &b->fb_id, 0)) {
        error_setg_errno(errp, errno, "cannot make a framebuffer for %s",
                         h->name);
        goto fail;
    }
    ret = drmModeMapDumbBuffer(fd, b->handle, &offset);
    if (ret) {
        error_setg_errno(errp, -ret, "cannot map a buffer of %s", h->name);
        goto fail;
    }
    b->map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                  offset);
    if (b->map == MAP_FAILED) {
        b->map = NULL;
        error_setg_errno(errp, errno, "cannot map a buffer of %s", h->name);
        goto fail;
    }
    b->image = pixman_image_create_bits(PIXMAN_x8r8g8b8, w, ht, b->map,
                                        b->pitch);
    if (!b->image) {
        error_setg(errp, "cannot wrap a buffer of %s", h->name);
        goto fail;
    }
    memset(b->map, 0, b->size);
    return true;

fail:
    kms_buffer_free(h->card, b);
    return false;
}

static void kms_import_free(KmsHead *h, KmsImport *e)
{
    int fd = h->card->fd;
    bool shared = false;

    if (e->fb_id && fd >= 0) {
        drmModeRmFB(fd, e->fb_id);
    }
    /* PRIME gives one handle per dmabuf: close it with its last user */
    for (int i = 0; i < KMS_IMPORTS; i++) {
        KmsImport *o = &h->imports[i];

        shared |= o != e && o->handle == e->handle;
    }
    if (e->handle && !shared && fd >= 0) {
        drmCloseBufferHandle(fd, e->handle);
    }
    if (h->import == e) {
        h->import = NULL;
    }
    if (h->front_import == e) {
        h->front_import = NULL;
    }
    if (h->next_import == e) {
        h->next_import = NULL;
    }
    memset(e, 0, sizeof(*e));
}

/*
 * The framebuffer of @buf on @h's card: cached, or imported with PRIME.
 * Returns NULL with @errp set when the card does not take the buffer.
 */
static KmsImport *kms_import_get(KmsHead *h, QemuDmaBuf *buf, Error **errp)
{
    int card_fd = h->card->fd, fd = qemu_dmabuf_get_fd(buf);
    uint32_t width = qemu_dmabuf_get_backing_width(buf);
    uint32_t height = qemu_dmabuf_get_backing_height(buf);
    uint32_t stride = qemu_dmabuf_get_stride(buf);
    uint32_t fourcc = qemu_dmabuf_get_fourcc(buf);
    uint64_t modifier = qemu_dmabuf_get_modifier(buf);
    uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
    uint64_t modifiers[4] = { 0 };
    KmsImport *e = NULL;
    struct stat st;

    if (fd < 0 || fstat(fd, &st)) {
        error_setg(errp, "the guest buffer has no usable dmabuf");
        return NULL;
    }
    for (int i = 0; i < KMS_IMPORTS; i++) {
        KmsImport *o = &h->imports[i];

        if (o->fb_id && o->dev == st.st_dev && o->ino == st.st_ino &&
            o->width == width && o->height == height &&
            o->stride == stride && o->fourcc == fourcc &&
            o->modifier == modifier) {
            o->used = ++h->import_clock;
            return o;
        }
    }
    /* a free slot, else the least recently used one not on screen */
    for (int i = 0; i < KMS_IMPORTS; i++) {
        KmsImport *o = &h->imports[i];

        if (o == h->import || o == h->front_import ||
            (h->flip_pending && o == h->next_import)) {
            continue;
        }
        if (!e || !o->fb_id || (e->fb_id && o->used < e->used)) {
            e = o;
        }
    }
    assert(e);
    kms_import_free(h, e);

    if (drmPrimeFDToHandle(card_fd, fd, &e->handle)) {
        error_setg_errno(errp, errno, "the card does not import it");
        return NULL;
    }
    handles[0] = e->handle;
    pitches[0] = stride;
    modifiers[0] = modifier;
    if (drmModeAddFB2WithModifiers(card_fd, width, height, fourcc, handles,
                                   pitches, offsets, modifiers, &e->fb_id,
                                   modifier == DRM_FORMAT_MOD_INVALID ?
                                   0 : DRM_MODE_FB_MODIFIERS)) {
        error_setg_errno(errp, errno, "the card makes no framebuffer of it "
                         "(fourcc 0x%x, modifier 0x%" PRIx64 ")", fourcc,
                         modifier);
        e->fb_id = 0;
        kms_import_free(h, e);
        return NULL;
    }
    e->dev = st.st_dev;
    e->ino = st.st_ino;
    e->width = width;
    e->height = height;
    e->stride = stride;
    e->fourcc = fourcc;
    e->modifier = modifier;
    e->used = ++h->import_clock;
    return e;
}

/* Everything of @h that lives on its card */
static void kms_head_down(KmsHead *h)
{
    KmsCard *card = h->card;

    for (int i = 0; i < KMS_IMPORTS; i++) {
        kms_import_free(h, &h->imports[i]);
    }
    for (int i = 0; i < 2; i++) {
        kms_buffer_free(card, &h->buf[i]);
    }
    if (h->cursor_on_crtc && card->fd >= 0) {
        drmModeSetCursor(card->fd, h->crtc_id, 0, 0, 0);
    }
    h->cursor_on_crtc = false;
    kms_buffer_free(card, &h->cursor_buf);
    if (h->mode_blob && card->fd >= 0) {
        drmModeDestroyPropertyBlob(card->fd, h->mode_blob);
    }
    h->mode_blob = 0;
    h->flip_pending = false;
    h->front = -1;
    h->up = false;
}

/* A CRTC of @card that @conn can drive and no other head holds */
static uint32_t kms_pick_crtc(KmsHead *h, drmModeRes *res,
                              const drmModeConnector *conn)
{
    KmsCard *card = h->card;

    for (int e = 0; e < conn->count_encoders; e++) {
        drmModeEncoder *enc = drmModeGetEncoder(card->fd,
                                                conn->encoders[e]);

        if (!enc) {
            continue;
        }
        for (int c = 0; c < res->count_crtcs; c++) {
            bool taken = false;

            if (!(enc->possible_crtcs & (1u << c))) {
                continue;
            }
            for (guint i = 0; i < card->heads->len; i++) {
                KmsHead *o = g_ptr_array_index(card->heads, i);

                taken |= o != h && o->up && o->crtc_id == res->crtcs[c];
            }
            if (!taken) {
                drmModeFreeEncoder(enc);
                return res->crtcs[c];
            }
        }
        drmModeFreeEncoder(enc);
    }
    return 0;
}

/* The primary plane of @h's CRTC */
static uint32_t kms_pick_plane(KmsHead *h, drmModeRes *res)
{
    int fd = h->card->fd;
    drmModePlaneRes *planes = drmModeGetPlaneResources(fd);
    uint32_t crtc_bit = 0, found = 0;

    if (!planes) {
        return 0;
    }
    for (int c = 0; c < res->count_crtcs; c++) {
        if (res->crtcs[c] == h->crtc_id) {
            crtc_bit = 1u << c;
        }
    }
    for (uint32_t i = 0; i < planes->count_planes && !found; i++) {
        drmModePlane *p = drmModeGetPlane(fd, planes->planes[i]);
        bool taken = false;

        /* a primary plane may serve several CRTCs: one head each */
        for (guint j = 0; j < h->card->heads->len; j++) {
            KmsHead *o = g_ptr_array_index(h->card->heads, j);

            taken |= o != h && o->up && o->plane_id == planes->planes[i];
        }
        if (p && !taken && (p->possible_crtcs & crtc_bit) &&
            kms_prop_value(fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "type",
                           UINT64_MAX) == DRM_PLANE_TYPE_PRIMARY) {
            found = p->plane_id;
        }
        drmModeFreePlane(p);
    }
    drmModeFreePlaneResources(planes);
    return found;
}

static bool kms_head_find_props(KmsHead *h, Error **errp)
{
    int fd = h->card->fd;
    KmsProps *p = &h->props;
    const struct {
        uint32_t obj, type;
        const char *name;
        uint32_t *id;
    } want[] = {
        { h->conn_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", &p->conn_crtc_id },
        { h->crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE", &p->crtc_active },
        { h->crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID", &p->crtc_mode_id },
        { h->plane_id, DRM_MODE_OBJECT_PLANE, "FB_ID", &p->plane_fb_id },
        { h->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_ID", &p->plane_crtc_id },
        { h->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_X", &p->plane_src_x },
        { h->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_Y", &p->plane_src_y },
        { h->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_W", &p->plane_src_w },
        { h->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_H", &p->plane_src_h },
        { h->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_X", &p->plane_crtc_x },
        { h->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_Y", &p->plane_crtc_y },
        { h->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_W", &p->plane_crtc_w },
        { h->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_H", &p->plane_crtc_h },
    };

    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        *want[i].id = kms_prop_id(fd, want[i].obj, want[i].type,
                                  want[i].name);
        if (!*want[i].id) {
            error_setg(errp, "%s: the driver has no %s property on object "
                       "%u; it is not usable with atomic modesetting",
                       h->name, want[i].name, want[i].obj);
            return false;
        }
    }
    return true;
}

/*
 * Show framebuffer @fb_id on @h, its @src rectangle on the @dst one of
 * the screen (NULL: all of both): an atomic commit (with the mode when
 * @modeset), or the legacy calls on a driver without atomic modesetting,
 * which only show whole screen-sized framebuffers.
 */
static int kms_head_commit(KmsHead *h, uint32_t fb_id, const KmsRect *src,
                           const KmsRect *dst, bool modeset, uint32_t flags)
{
    KmsCard *card = h->card;
    KmsProps *p = &h->props;
    drmModeAtomicReq *req;
    KmsRect all = { 0, 0, h->mode.hdisplay, h->mode.vdisplay };
    int ret;

    if (!card->atomic) {
        if (src || dst) {
            return -ENOTSUP;
        }
        if (modeset) {
            return drmModeSetCrtc(card->fd, h->crtc_id, fb_id, 0, 0,
                                  &h->conn_id, 1, &h->mode) ? -errno : 0;
        }
        if (flags & DRM_MODE_ATOMIC_TEST_ONLY) {
            return 0;
        }
        return drmModePageFlip(card->fd, h->crtc_id, fb_id,
                               DRM_MODE_PAGE_FLIP_EVENT, h) ? -errno : 0;
    }
    src = src ?: &all;
    dst = dst ?: &all;

    req = drmModeAtomicAlloc();
    if (!req) {
        return -ENOMEM;
    }
    if (modeset) {
        drmModeAtomicAddProperty(req, h->conn_id, p->conn_crtc_id,
                                 h->crtc_id);
        drmModeAtomicAddProperty(req, h->crtc_id, p->crtc_mode_id,
                                 h->mode_blob);
        drmModeAtomicAddProperty(req, h->crtc_id, p->crtc_active, 1);
        flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
    }
    drmModeAtomicAddProperty(req, h->plane_id, p->plane_fb_id, fb_id);
    drmModeAtomicAddProperty(req, h->plane_id, p->plane_crtc_id, h->crtc_id);
    /* the source in 16.16 fixed point */
    drmModeAtomicAddProperty(req, h->plane_id, p->plane_src_x,
                             (uint64_t)src->x << 16);
    drmModeAtomicAddProperty(req, h->plane_id, p->plane_src_y,
                             (uint64_t)src->y << 16);
    drmModeAtomicAddProperty(req, h->plane_id, p->plane_src_w,
                             (uint64_t)src->w << 16);
    drmModeAtomicAddProperty(req, h->plane_id, p->plane_src_h,
                             (uint64_t)src->h << 16);
    drmModeAtomicAddProperty(req, h->plane_id, p->plane_crtc_x, dst->x);
    drmModeAtomicAddProperty(req, h->plane_id, p->plane_crtc_y, dst->y);
    drmModeAtomicAddProperty(req, h->plane_id, p->plane_crtc_w, dst->w);
    drmModeAtomicAddProperty(req, h->plane_id, p->plane_crtc_h, dst->h);
    ret = drmModeAtomicCommit(card->fd, req, flags, h) ? -errno : 0;
    drmModeAtomicFree(req);
    return ret;
}

/* Tell the guest what the screen of @h is: its mode, or nothing */
static void kms_head_tell_guest(KmsHead *h)
{
    QemuUIInfo info = { 0 };

    if (h->up) {
        info.width = h->mode.hdisplay;
        info.height = h->mode.vdisplay;
        info.refresh_rate = h->mode.vrefresh * 1000;
    }
    if (dpy_ui_info_supported(h->dcl.con)) {
        dpy_set_ui_info(h->dcl.con, &info, false);
    }
}

/*
 * Find @h's connector, CRTC and plane on its card, make its buffers and
 * set its mode.
 */
static bool kms_head_up(KmsHead *h, Error **errp)
{
    KmsCard *card = h->card;
    drmModeRes *res = drmModeGetResources(card->fd);
    drmModeConnector *conn = NULL;
    bool ok = false;
    int ret;

    if (!res) {
        error_setg_errno(errp, errno, "%s: cannot read the card's resources",
                         card->path);
        return false;
    }
    for (int i = 0; i < res->count_connectors && !conn; i++) {
        drmModeConnector *c = drmModeGetConnector(card->fd,
                                                  res->connectors[i]);
        g_autofree char *name = NULL;
        bool taken = false;

        if (!c) {
            continue;
        }
        name = kms_connector_name(c);
        for (guint j = 0; j < card->heads->len; j++) {
            KmsHead *o = g_ptr_array_index(card->heads, j);

            taken |= o != h && o->up && o->conn_id == c->connector_id;
        }
        if (h->connector ? !strcmp(name, h->connector) :
            (!taken && c->connection == DRM_MODE_CONNECTED)) {
            conn = c;
            g_free(h->name);
            h->name = g_steal_pointer(&name);
        } else {
            drmModeFreeConnector(c);
        }
    }
    if (!conn) {
        if (h->connector) {
            error_setg(errp, "%s has no connector %s; see "
                       "/sys/class/drm/card*-* for the names", card->path,
                       h->connector);
        } else {
            error_setg(errp, "%s has no free connected connector for "
                       "console %d", card->path,
                       qemu_console_get_index(h->dcl.con));
        }
        goto out;
    }
    if (conn->connection != DRM_MODE_CONNECTED) {
        /* not an error: it is shown when it is plugged in */
        if (!h->unplugged) {
            warn_report("connector %s is not connected; console %d is shown "
                        "there when it is", h->name,
                        qemu_console_get_index(h->dcl.con));
        }
        h->conn_id = conn->connector_id;
        h->unplugged = true;
        ok = true;
        goto out;
    }
    if (!kms_pick_mode(h, conn, errp)) {
        goto out;
    }
    h->conn_id = conn->connector_id;
    if (card->lease) {
        h->crtc_id = card->lease_crtc;
        h->plane_id = card->lease_plane;
    } else {
        h->crtc_id = kms_pick_crtc(h, res, conn);
        h->plane_id = kms_pick_plane(h, res);
    }
    if (!h->crtc_id || (card->atomic && !h->plane_id)) {
        error_setg(errp, "no free %s for connector %s", h->crtc_id ?
                   "primary plane" : "CRTC", h->name);
        goto out;
    }
    if (card->atomic) {
        if (!kms_head_find_props(h, errp)) {
            goto out;
        }
        if (drmModeCreatePropertyBlob(card->fd, &h->mode, sizeof(h->mode),
                                      &h->mode_blob)) {
            error_setg_errno(errp, errno, "cannot pass the mode of %s",
                             h->name);
            goto out;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (!kms_buffer_alloc(h, &h->buf[i], h->mode.hdisplay,
                              h->mode.vdisplay, DRM_FORMAT_XRGB8888, errp)) {
            goto out;
        }
    }
    ret = kms_head_commit(h, h->buf[0].fb_id, NULL, NULL, true,
                          DRM_MODE_ATOMIC_TEST_ONLY);
    if (!ret) {
        ret = kms_head_commit(h, h->buf[0].fb_id, NULL, NULL, true, 0);
    }
    if (ret) {
        error_setg_errno(errp, -ret, "cannot set mode %ux%u@%u on %s",
                         h->mode.hdisplay, h->mode.vdisplay,
                         h->mode.vrefresh, h->name);
        goto out;
    }
    /* a pointer a former master left on the CRTC is not ours */
    drmModeSetCursor(card->fd, h->crtc_id, 0, 0, 0);
    /* a new mode or card may take the guest's buffers: try again */
    h->import_refused = false;
    h->front = 0;
    h->up = true;
    h->unplugged = false;
    ok = true;
    trace_kms_head_up(h->name, h->mode.hdisplay, h->mode.vdisplay,
                      h->mode.vrefresh, card->atomic);

out:
    if (!ok || !h->up) {
        kms_head_down(h);
    }
    drmModeFreeConnector(conn);
    drmModeFreeResources(res);
    return ok;
}

/*
 * Ask the lessor at @card->path for a lease of @connector
 * (docs/LESSOR.md): the reply "OK <lessee> <conn> <crtc> <plane> <cursor>"
 * comes with the lease fd.  The connection stays open: closing it gives
 * the output back.
 */
static bool kms_lease_open(KmsCard *card, const char *connector,
                           Error **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_autofree char *req = g_strdup_printf("LEASE 1 %s\n", connector);
    struct timeval timeout = { .tv_sec = KMS_LESSOR_TIMEOUT_S };
    char line[256];
    char *nl = NULL;
    size_t len = 0;
    int sock, fd = -1;
    unsigned lessee;

    if (strlen(card->path) >= sizeof(sa.sun_path)) {
        error_setg(errp, "lease=%s: the socket path is too long",
                   card->path);
        return false;
    }
    pstrcpy(sa.sun_path, sizeof(sa.sun_path), card->path);
    sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    /* the main loop waits for the reply: a stuck lessor must not hang it */
    if (sock >= 0) {
        setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
        setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    }
    if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa))) {
        error_setg_errno(errp, errno, "lease=%s: cannot reach the lessor",
                         card->path);
        goto fail;
    }
    if (send(sock, req, strlen(req), MSG_NOSIGNAL) != strlen(req)) {
        error_setg_errno(errp, errno, "lease=%s: cannot send the request",
                         card->path);
        goto fail;
    }
    while (!(nl = memchr(line, '\n', len))) {
        char cbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { line + len, sizeof(line) - 1 - len };
        struct msghdr msg = {
            .msg_iov = &iov, .msg_iovlen = 1,
            .msg_control = cbuf, .msg_controllen = sizeof(cbuf),
        };
        struct cmsghdr *cmsg;
        ssize_t n;

        if (len == sizeof(line) - 1) {
            error_setg(errp, "lease=%s: the lessor's reply is too long",
                       card->path);
            goto fail;
        }
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            error_setg(errp, "lease=%s: the lessor did not answer in %d s",
                       card->path, KMS_LESSOR_TIMEOUT_S);
            goto fail;
        }
        if (n <= 0) {
            error_setg(errp, "lease=%s: the lessor closed the connection "
                       "without a reply", card->path);
            goto fail;
        }
        for (cmsg = CMSG_FIRSTHDR(&msg); cmsg;
             cmsg = CMSG_NXTHDR(&msg, cmsg)) {
            if (cmsg->cmsg_level == SOL_SOCKET &&
                cmsg->cmsg_type == SCM_RIGHTS) {
                int nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);

                for (int i = 0; i < nfds; i++) {
                    int got;

                    memcpy(&got, CMSG_DATA(cmsg) + i * sizeof(int),
                           sizeof(int));
                    if (fd < 0) {
                        fd = got;
                    } else {
                        close(got);
                    }
                }
            }
        }
        len += n;
    }
    *nl = '\0';
    if (strlen(line) != nl - line) {
        error_setg(errp, "lease=%s: the lessor's reply holds a NUL byte",
                   card->path);
        goto fail;
    }
    if (g_str_has_prefix(line, "ERR ")) {
        error_setg(errp, "lease=%s: the lessor refused %s: %s", card->path,
                   connector, line + 4);
        goto fail;
    }
    if (sscanf(line, "OK %u %u %u %u", &lessee, &card->lease_conn,
               &card->lease_crtc, &card->lease_plane) != 4 || fd < 0) {
        error_setg(errp, "lease=%s: unexpected reply from the lessor: %s",
                   card->path, line);
        goto fail;
    }
    card->fd = fd;
    card->sock = sock;
    return true;

fail:
    if (fd >= 0) {
        close(fd);
    }
    if (sock >= 0) {
        close(sock);
    }
    return false;
}

static void kms_flip_done(int fd, unsigned int seq, unsigned int sec,
                          unsigned int usec, unsigned int crtc_id,
                          void *data)
{
    KmsHead *h = data;

    if (!h->flip_pending) {
        return;
    }
    h->flip_pending = false;
    h->front = h->next_front;
    h->front_import = h->next_import;
    trace_kms_flip_done(h->name, h->frames);
    if (h->dirty) {
        kms_head_present(h);
    }
}

static void kms_card_read(void *opaque)
{
    KmsCard *card = opaque;
    drmEventContext ev = {
        .version = 3,
        .page_flip_handler2 = kms_flip_done,
    };

    if (drmHandleEvent(card->fd, &ev) &&
        errno != EINTR && errno != EAGAIN) {
        kms_card_lost(card, strerror(errno));
    }
}

static void kms_lease_read(void *opaque)
{
    KmsCard *card = opaque;
    char c;
    ssize_t n = recv(card->sock, &c, 1, MSG_DONTWAIT);

    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    kms_card_lost(card, n > 0 ? "the lessor sent data after the lease" :
                  "the lessor closed the connection");
}

static void kms_card_close(KmsCard *card)
{
    for (guint i = 0; i < card->heads->len; i++) {
        kms_head_down(g_ptr_array_index(card->heads, i));
    }
    if (card->fd >= 0) {
        qemu_set_fd_handler(card->fd, NULL, NULL, NULL);
        close(card->fd);
        card->fd = -1;
    }
    if (card->sock >= 0) {
        qemu_set_fd_handler(card->sock, NULL, NULL, NULL);
        close(card->sock);
        card->sock = -1;
    }
}

/* Open @card and bring up its heads; on failure leave it closed */
static bool kms_card_open(KmsCard *card, Error **errp)
{
    drmVersion *ver;

    if (card->lease) {
        KmsHead *h = g_ptr_array_index(card->heads, 0);

        if (!kms_lease_open(card, h->connector, errp)) {
            return false;
        }
    } else {
        card->fd = open(card->path, O_RDWR | O_CLOEXEC);
        if (card->fd < 0) {
            error_setg_errno(errp, errno, "device=%s: cannot open",
                             card->path);
            return false;
        }
    }
    ver = drmGetVersion(card->fd);
    if (!ver) {
        if (card->lease) {
            error_setg(errp, "lease=%s: the lease is not a DRM device; is "
                       "the socket a DRM lessor's?", card->path);
        } else {
            error_setg(errp, "device=%s is not a DRM device; name a card "
                       "such as /dev/dri/card0", card->path);
        }
        goto fail;
    }
    drmFreeVersion(ver);
    if (!card->lease && !drmIsMaster(card->fd)) {
        error_setg(errp, "device=%s: another program (a display server or "
                   "kms-lessord?) is the card's DRM master; stop it or use "
                   "lease=", card->path);
        goto fail;
    }
    if (drmSetClientCap(card->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1)) {
        error_setg_errno(errp, errno, "%s: the driver does not take "
                         "universal planes", card->path);
        goto fail;
    }
    card->atomic = !drmSetClientCap(card->fd, DRM_CLIENT_CAP_ATOMIC, 1);
    if (!card->atomic) {
        warn_report_once("%s: the driver has no atomic modesetting; "
                         "using the legacy calls", card->path);
    }
    for (guint i = 0; i < card->heads->len; i++) {
        if (!kms_head_up(g_ptr_array_index(card->heads, i), errp)) {
            goto fail;
        }
    }
    qemu_set_fd_handler(card->fd, kms_card_read, NULL, card);
    if (card->sock >= 0) {
        qemu_set_fd_handler(card->sock, kms_lease_read, NULL, card);
    }
    card->lost = false;
    return true;

fail:
    kms_card_close(card);
    return false;
}

static void kms_card_lost(KmsCard *card, const char *why)
{
    if (card->lost) {
        return;
    }
    warn_report("display %s lost: %s; the guest keeps running and the "
                "display comes back when it can be opened again",
                card->path, why);
    kms_card_close(card);
    card->lost = true;
    card->retry_at = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + KMS_RETRY_MS;
    for (guint i = 0; i < card->heads->len; i++) {
        kms_head_tell_guest(g_ptr_array_index(card->heads, i));
    }
}

static void kms_card_retry(KmsCard *card)
{
    Error *err = NULL;
    int64_t now = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);

    if (now < card->retry_at || kms_card_away(card)) {
        return;
    }
    card->retry_at = now + KMS_RETRY_MS;
    if (!kms_card_open(card, &err)) {
        trace_kms_retry_failed(card->path, error_get_pretty(err));
        error_free(err);
        return;
    }
    info_report("display %s is back", card->path);
    for (guint i = 0; i < card->heads->len; i++) {
        KmsHead *h = g_ptr_array_index(card->heads, i);

        kms_head_tell_guest(h);
        /* the surface may have changed while the card was away */
        kms_head_place(h);
        kms_head_present(h);
    }
}

/* Turn @h's CRTC off and free its buffers: its connector went away */
static void kms_head_off(KmsHead *h)
{
    KmsCard *card = h->card;
    KmsProps *p = &h->props;

    if (card->atomic) {
        drmModeAtomicReq *req = drmModeAtomicAlloc();

        drmModeAtomicAddProperty(req, h->conn_id, p->conn_crtc_id, 0);
        drmModeAtomicAddProperty(req, h->crtc_id, p->crtc_active, 0);
        drmModeAtomicAddProperty(req, h->crtc_id, p->crtc_mode_id, 0);
        drmModeAtomicAddProperty(req, h->plane_id, p->plane_fb_id, 0);
        drmModeAtomicAddProperty(req, h->plane_id, p->plane_crtc_id, 0);
        if (drmModeAtomicCommit(card->fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET,
                                NULL)) {
            trace_kms_flip_failed(h->name, errno);
        }
        drmModeAtomicFree(req);
    } else {
        drmModeSetCrtc(card->fd, h->crtc_id, 0, 0, 0, NULL, 0, NULL);
    }
    kms_head_down(h);
}

/*
 * A connector of some card changed: show or stop showing each head whose
 * connector was plugged in or out, and tell its guest.
 */
static void kms_hotplug(void)
{
    for (guint i = 0; i < kms_cards->len; i++) {
        KmsCard *card = g_ptr_array_index(kms_cards, i);

        for (guint j = 0; j < card->heads->len && !card->lost &&
                          !kms_card_away(card); j++) {
            KmsHead *h = g_ptr_array_index(card->heads, j);
            drmModeConnector *conn;
            bool connected;
            Error *err = NULL;

            if (!h->conn_id) {
                continue;
            }
            conn = drmModeGetConnectorCurrent(card->fd, h->conn_id);
            if (!conn && errno == ENODEV) {
                /* the device itself went away (unbound, unplugged) */
                kms_card_lost(card, "the device was removed");
                break;
            }
            connected = conn && conn->connection == DRM_MODE_CONNECTED;
            drmModeFreeConnector(conn);
            if (h->up && !connected) {
                info_report("connector %s was unplugged; console %d is "
                            "shown there again when it is back", h->name,
                            qemu_console_get_index(h->dcl.con));
                kms_head_off(h);
                h->unplugged = true;
                kms_head_tell_guest(h);
            } else if (!h->up && connected) {
                if (!kms_head_up(h, &err)) {
                    warn_report_err(err);
                    continue;
                }
                info_report("connector %s is back", h->name);
                kms_head_tell_guest(h);
                kms_head_place(h);
                kms_head_present(h);
            }
        }
    }
}

/* Is the evdev device at @path a keyboard (*@keyboard) or a pointer? */
static bool kms_input_wanted(const char *path, bool *keyboard)
{
    unsigned long ev[BITS_TO_LONGS(EV_CNT)] = { 0 };
    unsigned long keys[BITS_TO_LONGS(KEY_CNT)] = { 0 };
    unsigned long rel[BITS_TO_LONGS(REL_CNT)] = { 0 };
    unsigned long abs[BITS_TO_LONGS(ABS_CNT)] = { 0 };
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    bool pointer;

    if (fd < 0) {
        return false;
    }
    if (ioctl(fd, EVIOCGBIT(0, sizeof(ev)), ev) < 0) {
        close(fd);
        return false;
    }
    ioctl(fd, EVIOCGBIT(EV_KEY, sizeof(keys)), keys);
    ioctl(fd, EVIOCGBIT(EV_REL, sizeof(rel)), rel);
    ioctl(fd, EVIOCGBIT(EV_ABS, sizeof(abs)), abs);
    close(fd);
    /* not power buttons, lid switches, remote controls... */
    *keyboard = test_bit(EV_KEY, ev) && test_bit(KEY_A, keys) &&
                test_bit(KEY_ENTER, keys);
    pointer = (test_bit(EV_REL, ev) && test_bit(REL_X, rel)) ||
              (test_bit(EV_ABS, ev) && test_bit(ABS_X, abs) &&
               (test_bit(BTN_TOUCH, keys) || test_bit(BTN_LEFT, keys)));
    return *keyboard || pointer;
}

/* Does an input-linux object (the user's) read the device @opaque? */
static int kms_input_is_users(Object *obj, void *opaque)
{
    g_autofree char *evdev = NULL;
    struct stat st;

    if (!object_dynamic_cast(obj, "input-linux")) {
        return 0;
    }
    evdev = object_property_get_str(obj, "evdev", NULL);
    /* by device number: /dev/input/by-id/... names the same device */
    return evdev && !stat(evdev, &st) && S_ISCHR(st.st_mode) &&
           st.st_rdev == *(dev_t *)opaque;
}

/* A table entry goes: its object too, unless someone deleted it already */
static void kms_input_drop(gpointer data)
{
    Object *obj = data;

    if (obj->parent) {
        object_unparent(obj);
    }
    object_unref(obj);
}

/*
 * Give the keyboard or pointer at @path to the guest: an input-linux
 * object grabs it and feeds its events to the active console; keyboards
 * toggle the grab of all devices with the grab keys.
 */
static void kms_input_add(const char *path)
{
    g_autofree char *id = NULL;
    Error *err = NULL;
    bool keyboard;
    Object *obj;
    struct stat st;

    if (!kms_inputs || kms_vt_away) {
        return;
    }
    obj = g_hash_table_lookup(kms_inputs, path);
    if (obj && obj->parent) {
        return;
    }
    if (obj) {
        /* deleted with object-del: taken again */
        g_hash_table_remove(kms_inputs, path);
    }
    if (stat(path, &st) || !S_ISCHR(st.st_mode) ||
        object_child_foreach(object_get_objects_root(), kms_input_is_users,
                             &st.st_rdev) ||
        !kms_input_wanted(path, &keyboard)) {
        return;
    }
    id = g_strdup_printf("kms-input-%s", path + strlen("/dev/input/"));
    obj = object_new_with_props("input-linux", object_get_objects_root(), id,
                                &err, "evdev", path,
                                "grab_all", keyboard ? "on" : "off",
                                "grab-toggle",
                                GrabToggleKeys_str(kms_opts->has_grab_keys ?
                                                   kms_opts->grab_keys :
                                                   GRAB_TOGGLE_KEYS_CTRL_CTRL),
                                NULL);
    if (!obj) {
        warn_reportf_err(err, "-display kms: cannot take input from %s: ",
                         path);
        return;
    }
    trace_kms_input(path, keyboard, true);
    /* the table keeps a reference: object-del may delete it any time */
    g_hash_table_insert(kms_inputs, g_strdup(path), object_ref(obj));
}

static void kms_input_remove(const char *path)
{
    if (kms_inputs && g_hash_table_contains(kms_inputs, path)) {
        trace_kms_input(path, false, false);
        g_hash_table_remove(kms_inputs, path);
    }
}

/* Take the keyboards and pointers there are now (uevents bring the rest) */
static void kms_input_scan(void)
{
    g_autoptr(GDir) dir = g_dir_open("/dev/input", 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        if (g_str_has_prefix(name, "event")) {
            g_autofree char *path = g_strconcat("/dev/input/", name, NULL);

            kms_input_add(path);
        }
    }
}

/* input=on */
static void kms_input_open(void)
{
    if (kms_opts->has_input && !kms_opts->input) {
        return;
    }
    kms_inputs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       kms_input_drop);
    kms_input_scan();
}

/*
 * A kernel uevent.  DRM's hotplug events are ACTION=change, SUBSYSTEM=drm,
 * HOTPLUG=1; any change event of a DRM device makes us look again, which
 * is cheap and also follows a "change" written to its sysfs uevent file.
 * A DRM device that is removed (its driver unbound, a USB display
 * unplugged) says ACTION=remove: its card is then lost.  Input devices
 * that come and go (DEVNAME=input/eventN) are taken and given up.
 */
static void kms_uevent_read(void *opaque)
{
    char buf[4096];
    ssize_t n = recv(kms_uevent_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
    bool drm = false, input = false, change = false, add = false;
    bool remove = false;
    const char *devname = NULL;

    if (n < 0 && errno == ENOBUFS) {
        /* events were lost: look at everything again */
        kms_hotplug();
        if (kms_inputs) {
            kms_input_scan();
        }
        return;
    }
    if (n <= 0) {
        return;
    }
    buf[n] = '\0';
    for (char *p = buf; p < buf + n; p += strlen(p) + 1) {
        drm |= !strcmp(p, "SUBSYSTEM=drm");
        input |= !strcmp(p, "SUBSYSTEM=input");
        change |= !strcmp(p, "ACTION=change");
        add |= !strcmp(p, "ACTION=add");
        remove |= !strcmp(p, "ACTION=remove");
        if (g_str_has_prefix(p, "DEVNAME=")) {
            devname = p + strlen("DEVNAME=");
        }
    }
    if (drm && (change || remove)) {
        trace_kms_hotplug();
        kms_hotplug();
    }
    if (input && devname && g_str_has_prefix(devname, "input/event")) {
        g_autofree char *path = g_strconcat("/dev/", devname, NULL);

        if (add) {
            kms_input_add(path);
        } else if (remove) {
            kms_input_remove(path);
        }
    }
}

/* Listen to the kernel's uevents; without them, no hotplug */
static void kms_uevent_open(void)
{
    struct sockaddr_nl sa = {
        .nl_family = AF_NETLINK,
        .nl_groups = 1,         /* the kernel's own uevents */
    };
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    NETLINK_KOBJECT_UEVENT);

    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
        warn_report("-display kms: cannot listen to kernel uevents (%s); "
                    "connector hotplug is not followed", strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    kms_uevent_fd = fd;
    qemu_set_fd_handler(fd, kms_uevent_read, NULL, NULL);
}

/*
 * Where a @sw x @sh picture goes on @h's screen: centred with black
 * around it, or scaled down to fit, keeping its aspect.
 */
static void kms_fit(KmsHead *h, uint32_t sw, uint32_t sh, KmsRect *dst)
{
    uint32_t mw = h->mode.hdisplay, mh = h->mode.vdisplay;

    if (sw <= mw && sh <= mh) {
        dst->w = sw;
        dst->h = sh;
    } else if ((uint64_t)sw * mh > (uint64_t)sh * mw) {
        dst->w = mw;
        dst->h = MAX(1, (uint64_t)sh * mw / sw);
    } else {
        dst->h = mh;
        dst->w = MAX(1, (uint64_t)sw * mh / sh);
    }
    dst->x = (mw - dst->w) / 2;
    dst->y = (mh - dst->h) / 2;
}

/* The part of its buffer that a guest dmabuf shows */
static KmsRect kms_dmabuf_rect(QemuDmaBuf *buf)
{
    return (KmsRect) {
        qemu_dmabuf_get_x(buf), qemu_dmabuf_get_y(buf),
        qemu_dmabuf_get_width(buf), qemu_dmabuf_get_height(buf),
    };
}

/* Stop copying from @h's dmabuf; its mapping stays for the next time */
static void kms_head_unmap_dmabuf(KmsHead *h)
{
    if (h->src && h->src == h->dmabuf_image) {
        h->src = NULL;
    }
    if (h->dmabuf_image) {
        pixman_image_unref(h->dmabuf_image);
        h->dmabuf_image = NULL;
    }
}

/*
 * The mapping of the dmabuf @fd, cached: a guest flips between a few
 * buffers, and mapping one again costs a page fault per page on the next
 * copy (make bench-display: 13 ms per 1920x1080 frame in the bed).
 */
static KmsMapping *kms_head_mapping(KmsHead *h, int fd, Error **errp)
{
    KmsMapping *m = NULL;
    struct stat st;
    off_t size;
    void *map;

    if (fd < 0 || fstat(fd, &st)) {
        error_setg(errp, "it has no usable dmabuf");
        return NULL;
    }
    for (int i = 0; i < KMS_IMPORTS; i++) {
        KmsMapping *o = &h->maps[i];

        if (o->map && o->dev == st.st_dev && o->ino == st.st_ino) {
            o->used = ++h->map_clock;
            return o;
        }
        if (!m || !o->map || (m->map && o->used < m->used)) {
            m = o;
        }
    }
    size = lseek(fd, 0, SEEK_END);
    if (size <= 0) {
        error_setg(errp, "its dmabuf has no size");
        return NULL;
    }
    map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot map its dmabuf");
        return NULL;
    }
    /* the least recently used: no image of the head reads it any more */
    if (m->map) {
        munmap(m->map, m->size);
    }
    m->dev = st.st_dev;
    m->ino = st.st_ino;
    m->map = map;
    m->size = size;
    m->used = ++h->map_clock;
    return m;
}

/*
 * Map @h's dmabuf to copy from it.  The geometry comes from the guest:
 * check that it lies inside the buffer before reading through it.
 */
static bool kms_head_map_dmabuf(KmsHead *h, Error **errp)
{
    QemuDmaBuf *buf = h->dmabuf;
    KmsRect r = kms_dmabuf_rect(buf);
    uint32_t stride = qemu_dmabuf_get_stride(buf);
    uint32_t fourcc = qemu_dmabuf_get_fourcc(buf);
    pixman_format_code_t format = qemu_drm_format_to_pixman(fourcc);
    uint64_t bpp, end;
    KmsMapping *m;

    if (h->dmabuf_image) {
        return true;
    }
    if (!format || qemu_dmabuf_get_modifier(buf) != DRM_FORMAT_MOD_LINEAR) {
        error_setg(errp, "QEMU cannot read its format (fourcc 0x%x, "
                   "modifier 0x%" PRIx64 ")", fourcc,
                   qemu_dmabuf_get_modifier(buf));
        return false;
    }
    bpp = PIXMAN_FORMAT_BPP(format) / 8;
    m = kms_head_mapping(h, qemu_dmabuf_get_fd(buf), errp);
    if (!m) {
        return false;
    }
    end = ((uint64_t)r.y + r.h) * stride;
    if (!r.w || !r.h || stride % 4 ||
        ((uint64_t)r.x + r.w) * bpp > stride || end > m->size) {
        error_setg(errp, "%ux%u at %u,%u with stride %u does not fit its "
                   "%zu bytes", r.w, r.h, r.x, r.y, stride, m->size);
        return false;
    }
    h->dmabuf_image = pixman_image_create_bits(format, r.w, r.h,
                                               (uint32_t *)((uint8_t *)m->map +
                                               r.y * stride + r.x * bpp),
                                               stride);
    if (!h->dmabuf_image) {
        error_setg(errp, "cannot wrap its mapping");
        return false;
    }
    return true;
}

/*
 * Scan @h's dmabuf out as it is, if the card takes it: imported, and a
 * TEST_ONLY commit passes (format, stride, position, scaling).
 */
static bool kms_head_import(KmsHead *h, Error **errp)
{
    KmsRect src = kms_dmabuf_rect(h->dmabuf);
    KmsImport *e;
    int ret;

    if (!h->card->atomic) {
        error_setg(errp, "the card has no atomic modesetting");
        return false;
    }
    if (qemu_dmabuf_get_y0_top(h->dmabuf)) {
        error_setg(errp, "it is upside down");
        return false;
    }
    e = kms_import_get(h, h->dmabuf, errp);
    if (!e) {
        return false;
    }
    kms_fit(h, src.w, src.h, &h->dst);
    ret = kms_head_commit(h, e->fb_id, &src, &h->dst, false,
                          DRM_MODE_ATOMIC_TEST_ONLY);
    if (ret) {
        error_setg_errno(errp, -ret, "the card does not scan it out %ux%u "
                         "at %u,%u", h->dst.w, h->dst.h, h->dst.x, h->dst.y);
        return false;
    }
    h->import = e;
    return true;
}

/* The pointer cannot be shown: say so once, and take the old one off */
static void kms_head_cursor_failed(KmsHead *h, const char *why)
{
    if (!h->cursor_said) {
        warn_report("%s: cannot show the guest's pointer: %s", h->name, why);
        h->cursor_said = true;
    }
    if (h->cursor_on_crtc) {
        drmModeSetCursor(h->card->fd, h->crtc_id, 0, 0, 0);
        h->cursor_on_crtc = false;
    }
}

/*
 * Put the guest's pointer on @h's CRTC, or take it off.  The legacy
 * cursor calls need no plane id (a leased cursor plane or a hidden one)
 * and do not wait for a pending page flip.
 */
static void kms_head_cursor(KmsHead *h)
{
    int fd = h->card->fd;
    QEMUCursor *c = h->cursor;
    uint32_t sw, sh;
    uint64_t cw = 64, ch = 64;
    int64_t x, y;

    if (!h->up || !kms_show_cursor || kms_card_away(h->card)) {
        return;
    }
    if (!c || !h->mouse_on) {
        if (h->cursor_on_crtc) {
            drmModeSetCursor(fd, h->crtc_id, 0, 0, 0);
            h->cursor_on_crtc = false;
        }
        return;
    }
    if (!h->cursor_on_crtc || h->cursor_stale) {
        Error *err = NULL;
        uint8_t *map;

        drmGetCap(fd, DRM_CAP_CURSOR_WIDTH, &cw);
        drmGetCap(fd, DRM_CAP_CURSOR_HEIGHT, &ch);
        if (c->width > cw || c->height > ch) {
            g_autofree char *why = g_strdup_printf(
                "it is %ux%u, the card's cursor %" PRIu64 "x%" PRIu64,
                c->width, c->height, cw, ch);

            kms_head_cursor_failed(h, why);
            return;
        }
        if (!h->cursor_buf.handle &&
            !kms_buffer_alloc(h, &h->cursor_buf, cw, ch, DRM_FORMAT_ARGB8888,
                              &err)) {
            kms_head_cursor_failed(h, error_get_pretty(err));
            error_free(err);
            return;
        }
        map = h->cursor_buf.map;
        memset(map, 0, h->cursor_buf.size);
        for (int row = 0; row < c->height; row++) {
            memcpy(map + row * h->cursor_buf.pitch, &c->data[row * c->width],
                   c->width * sizeof(uint32_t));
        }
        if (drmModeSetCursor2(fd, h->crtc_id, h->cursor_buf.handle, cw, ch,
                              c->hot_x, c->hot_y)) {
            kms_head_cursor_failed(h, strerror(errno));
            return;
        }
        h->cursor_on_crtc = true;
        h->cursor_stale = false;
    }
    /* the pointer's place in the picture, on the screen */
    if (h->import) {
        sw = qemu_dmabuf_get_width(h->dmabuf);
        sh = qemu_dmabuf_get_height(h->dmabuf);
    } else if (h->src) {
        sw = pixman_image_get_width(h->src);
        sh = pixman_image_get_height(h->src);
    } else {
        sw = h->dst.w;
        sh = h->dst.h;
    }
    x = h->dst.x + (sw ? (int64_t)h->mouse_x * h->dst.w / sw : 0) - c->hot_x;
    y = h->dst.y + (sh ? (int64_t)h->mouse_y * h->dst.h / sh : 0) - c->hot_y;
    if (drmModeMoveCursor(fd, h->crtc_id, CLAMP(x, INT16_MIN, INT16_MAX),
                          CLAMP(y, INT16_MIN, INT16_MAX))) {
        kms_head_cursor_failed(h, strerror(errno));
    }
}

/*
 * Work out how the console's picture (surface or dmabuf) gets on the
 * screen, and damage all of it.
 */
static void kms_head_place(KmsHead *h)
{
    Error *err = NULL;
    uint32_t sw, sh, mw = h->mode.hdisplay, mh = h->mode.vdisplay;

    if (h->scaled) {
        pixman_image_unref(h->scaled);
        h->scaled = NULL;
    }
    h->import = NULL;
    h->src = NULL;
    if (!h->up || kms_card_away(h->card)) {
        /* placed again when it is back */
        return;
    }
    if (h->dmabuf) {
        bool zero_copy = (!kms_opts->has_zero_copy || kms_opts->zero_copy) &&
                         !h->import_refused;

        if (zero_copy && kms_head_import(h, &err)) {
            trace_kms_dmabuf(h->name, h->dst.w, h->dst.h,
                             qemu_dmabuf_get_fourcc(h->dmabuf),
                             h->import->fb_id);
            h->dirty = true;
            kms_head_cursor(h);
            return;
        }
        if (err && !h->copy_said) {
            info_report("%s: copying the guest's buffers: %s", h->name,
                        error_get_pretty(err));
            h->copy_said = true;
        }
        error_free(err);
        err = NULL;
        if (!kms_head_map_dmabuf(h, &err)) {
            warn_report("%s: cannot show the guest's buffer: %s", h->name,
                        error_get_pretty(err));
            error_free(err);
            return;
        }
        trace_kms_dmabuf(h->name, pixman_image_get_width(h->dmabuf_image),
                         pixman_image_get_height(h->dmabuf_image),
                         qemu_dmabuf_get_fourcc(h->dmabuf), 0);
        h->src = h->dmabuf_image;
    } else if (h->surface) {
        h->src = h->surface->image;
    } else {
        return;
    }
    sw = pixman_image_get_width(h->src);
    sh = pixman_image_get_height(h->src);
    kms_fit(h, sw, sh, &h->dst);
    if (sw > h->dst.w) {
        /* too big: scaled down */
        pixman_transform_t t;

        h->scaled = pixman_image_create_bits(pixman_image_get_format(h->src),
                                             sw, sh,
                                             pixman_image_get_data(h->src),
                                             pixman_image_get_stride(h->src));
        /* in double: 16.16 fixed point overflows from 32768 pixels */
        pixman_transform_init_scale(&t,
                                    pixman_double_to_fixed((double)sw /
                                                           h->dst.w),
                                    pixman_double_to_fixed((double)sh /
                                                           h->dst.h));
        if (h->scaled) {
            pixman_image_set_transform(h->scaled, &t);
            pixman_image_set_filter(h->scaled, PIXMAN_FILTER_BILINEAR,
                                    NULL, 0);
        }
    }
    for (int i = 0; i < 2; i++) {
        pixman_region32_fini(&h->buf[i].damage);
        pixman_region32_init_rect(&h->buf[i].damage, 0, 0, mw, mh);
    }
    h->dirty = true;
    kms_head_cursor(h);
}

/* Sync a CPU read of @h's dmabuf with the devices that write it */
static void kms_head_sync_dmabuf(KmsHead *h, uint64_t flags)
{
    struct dma_buf_sync sync = { .flags = flags | DMA_BUF_SYNC_READ };

    if (h->src == h->dmabuf_image) {
        /* drmIoctl() retries on EINTR; a failure only risks a stale read */
        drmIoctl(qemu_dmabuf_get_fd(h->dmabuf), DMA_BUF_IOCTL_SYNC, &sync);
    }
}

/* A flip failed with -@err: the card is gone, or try again later */
static void kms_head_flip_failed(KmsHead *h, int err)
{
    trace_kms_flip_failed(h->name, err);
    warn_report_once("%s: page flip failed: %s; retrying", h->name,
                     strerror(err));
    if (err == ENODEV) {
        kms_card_lost(h->card, strerror(err));
    }
}

/* Flip to the guest buffer itself */
static void kms_head_present_import(KmsHead *h)
{
    KmsRect src = kms_dmabuf_rect(h->dmabuf);
    int ret;

    ret = kms_head_commit(h, h->import->fb_id, &src, &h->dst, false,
                          DRM_MODE_ATOMIC_NONBLOCK |
                          DRM_MODE_PAGE_FLIP_EVENT);
    if (ret == -EINVAL || ret == -ERANGE) {
        /* TEST_ONLY let it through, but the card does not want it now */
        info_report("%s: copying the guest's buffers: the card refused "
                    "to flip to one (%s)", h->name, strerror(-ret));
        h->copy_said = true;
        h->import_refused = true;
        kms_head_place(h);
        kms_head_present(h);
        return;
    }
    if (ret) {
        kms_head_flip_failed(h, -ret);
        return;
    }
    h->next_front = -1;
    h->next_import = h->import;
    h->flip_pending = true;
    h->dirty = false;
    h->frames++;
    trace_kms_flip(h->name, h->frames, 0);
}

/* Bring the back buffer up to date with the console and flip to it */
static void kms_head_present(KmsHead *h)
{
    KmsBuffer *b;
    pixman_box32_t *box;
    pixman_region32_t inside;
    int n, ret, back;
    uint64_t bytes = 0;
    int bpp;

    if (!h->up || h->flip_pending || kms_card_away(h->card)) {
        return;
    }
    if (h->import) {
        kms_head_present_import(h);
        return;
    }
    if (!h->src) {
        return;
    }
    back = h->front == 0 ? 1 : 0;
    b = &h->buf[back];
    bpp = DIV_ROUND_UP(PIXMAN_FORMAT_BPP(pixman_image_get_format(h->src)), 8);

    /* black where the picture is not: the borders */
    pixman_region32_init_rect(&inside, h->dst.x, h->dst.y, h->dst.w,
                              h->dst.h);
    pixman_region32_subtract(&inside, &b->damage, &inside);
    box = pixman_region32_rectangles(&inside, &n);
    for (int i = 0; i < n; i++) {
        pixman_image_composite(PIXMAN_OP_CLEAR, b->image, NULL, b->image,
                               0, 0, 0, 0, box[i].x1, box[i].y1,
                               box[i].x2 - box[i].x1, box[i].y2 - box[i].y1);
    }
    pixman_region32_fini(&inside);

    pixman_region32_intersect_rect(&b->damage, &b->damage, h->dst.x,
                                   h->dst.y, h->dst.w, h->dst.h);
    box = pixman_region32_rectangles(&b->damage, &n);
    kms_head_sync_dmabuf(h, DMA_BUF_SYNC_START);
    for (int i = 0; i < n; i++) {
        int w = box[i].x2 - box[i].x1, ht = box[i].y2 - box[i].y1;

        pixman_image_composite(PIXMAN_OP_SRC, h->scaled ?: h->src, NULL,
                               b->image, box[i].x1 - h->dst.x,
                               box[i].y1 - h->dst.y, 0, 0, box[i].x1,
                               box[i].y1, w, ht);
        bytes += (uint64_t)w * ht * bpp;
    }
    kms_head_sync_dmabuf(h, DMA_BUF_SYNC_END);
    pixman_region32_clear(&b->damage);

    ret = kms_head_commit(h, b->fb_id, NULL, NULL, false,
                          DRM_MODE_ATOMIC_NONBLOCK |
                          DRM_MODE_PAGE_FLIP_EVENT);
    if (ret) {
        /*
         * EBUSY and EACCES (another DRM master, e.g. after a VT switch)
         * pass; the next refresh tries again with everything damaged.
         */
        kms_head_flip_failed(h, -ret);
        if (ret != -ENODEV) {
            pixman_region32_union_rect(&b->damage, &b->damage, 0, 0,
                                       h->mode.hdisplay, h->mode.vdisplay);
        }
        return;
    }
    h->next_front = back;
    h->next_import = NULL;
    h->flip_pending = true;
    h->dirty = false;
    h->frames++;
    h->bytes_copied += bytes;
    trace_kms_flip(h->name, h->frames, bytes);
}

static KmsHead *kms_head_of(DisplayChangeListener *dcl)
{
    return container_of(dcl, KmsHead, dcl);
}

static void kms_refresh(DisplayChangeListener *dcl)
{
    KmsHead *h = kms_head_of(dcl);

    if (h->card->lost) {
        kms_card_retry(h->card);
    }
    graphic_hw_update(dcl->con);
    if (h->dirty) {
        kms_head_present(h);
    }
}

static void kms_gfx_update(DisplayChangeListener *dcl,
                           int x, int y, int w, int h_)
{
    KmsHead *h = kms_head_of(dcl);
    pixman_region32_t r;

    if (!h->up || !h->src) {
        return;
    }
    if (h->scaled) {
        /* a scaled picture is redrawn whole */
        pixman_region32_init_rect(&r, h->dst.x, h->dst.y, h->dst.w,
                                  h->dst.h);
    } else {
        pixman_region32_init_rect(&r, h->dst.x + x, h->dst.y + y, w, h_);
        pixman_region32_intersect_rect(&r, &r, h->dst.x, h->dst.y,
                                       h->dst.w, h->dst.h);
    }
    for (int i = 0; i < 2; i++) {
        pixman_region32_union(&h->buf[i].damage, &h->buf[i].damage, &r);
    }
    pixman_region32_fini(&r);
    h->dirty = true;
    kms_head_present(h);
}

static void kms_gfx_switch(DisplayChangeListener *dcl,
                           DisplaySurface *surface)
{
    KmsHead *h = kms_head_of(dcl);

    kms_head_unmap_dmabuf(h);
    h->dmabuf = NULL;
    h->surface = surface;
    /*
     * Shown by the update that normally follows (a guest flips with
     * set_scanout, then flushes), else by the next refresh: presenting
     * here too would copy every flipped frame twice.
     */
    kms_head_place(h);
}

static bool kms_gfx_check_format(DisplayChangeListener *dcl,
                                 pixman_format_code_t format)
{
    /* pixman converts whatever the device gives */
    return true;
}

static void kms_cursor_define(DisplayChangeListener *dcl, QEMUCursor *c)
{
    KmsHead *h = kms_head_of(dcl);

    cursor_ref(c);
    if (h->cursor) {
        cursor_unref(h->cursor);
    }
    h->cursor = c;
    h->cursor_stale = true;
    kms_head_cursor(h);
}

static void kms_mouse_set(DisplayChangeListener *dcl, int x, int y, bool on)
{
    KmsHead *h = kms_head_of(dcl);

    h->mouse_x = x;
    h->mouse_y = y;
    h->mouse_on = on;
    kms_head_cursor(h);
}

/* The console now shows a guest buffer: scan it out, or copy it */
static void kms_gl_scanout_dmabuf(DisplayChangeListener *dcl,
                                  QemuDmaBuf *buf)
{
    KmsHead *h = kms_head_of(dcl);

    if (h->dmabuf != buf) {
        kms_head_unmap_dmabuf(h);
        h->dmabuf = buf;
    }
    kms_head_place(h);
}

static void kms_gl_release_dmabuf(DisplayChangeListener *dcl,
                                  QemuDmaBuf *buf)
{
    KmsHead *h = kms_head_of(dcl);

    if (h->dmabuf == buf) {
        kms_head_unmap_dmabuf(h);
        h->dmabuf = NULL;
        kms_head_place(h);
    }
}

/* The guest drew into its buffer (virtio-gpu says: all of it) */
static void kms_gl_update(DisplayChangeListener *dcl,
                          uint32_t x, uint32_t y, uint32_t w, uint32_t h_)
{
    KmsHead *h = kms_head_of(dcl);

    if (h->import) {
        h->dirty = true;
        kms_head_present(h);
        return;
    }
    kms_gfx_update(dcl, x, y, w, h_);
}

static const DisplayChangeListenerOps kms_ops = {
    .dpy_name = "kms",
    .dpy_refresh = kms_refresh,
    .dpy_gfx_update = kms_gfx_update,
    .dpy_gfx_switch = kms_gfx_switch,
    .dpy_gfx_check_format = kms_gfx_check_format,
    .dpy_gl_scanout_dmabuf = kms_gl_scanout_dmabuf,
    .dpy_gl_release_dmabuf = kms_gl_release_dmabuf,
    .dpy_gl_update = kms_gl_update,
    .dpy_mouse_set = kms_mouse_set,
    .dpy_cursor_define = kms_cursor_define,
};

/*
 * The console's "GL context": what makes virtio-gpu hand its blob
 * scanouts over as dmabufs.  -display kms renders nothing with OpenGL.
 */
static bool kms_gl_is_compatible_dcl(DisplayGLCtx *ctx,
                                     DisplayChangeListener *dcl)
{
    /*
     * 2D listeners (e.g. -vnc) are let in: they see the console's
     * surface, which a blob scanout leaves blank (documented).
     */
    return dcl->ops == &kms_ops || !dcl->ops->dpy_gl_update;
}

static QEMUGLContext kms_gl_ctx_create(DisplayGLCtx *ctx,
                                       QEMUGLParams *params)
{
    return NULL;
}

static void kms_gl_ctx_destroy(DisplayGLCtx *ctx, QEMUGLContext glctx)
{
}

static int kms_gl_ctx_make_current(DisplayGLCtx *ctx, QEMUGLContext glctx)
{
    return -1;
}

static const DisplayGLCtxOps kms_gl_ops = {
    .dpy_gl_ctx_is_compatible_dcl = kms_gl_is_compatible_dcl,
    .dpy_gl_ctx_create = kms_gl_ctx_create,
    .dpy_gl_ctx_destroy = kms_gl_ctx_destroy,
    .dpy_gl_ctx_make_current = kms_gl_ctx_make_current,
};

static DisplayGLCtx kms_gl_ctx = {
    .ops = &kms_gl_ops,
};

/*
 * Set every head of @card up again: after a VT switch the card's mode,
 * planes and cursor are whatever the other VT's master left.
 */
static void kms_card_remode(KmsCard *card)
{
    for (guint i = 0; i < card->heads->len; i++) {
        KmsHead *h = g_ptr_array_index(card->heads, i);
        Error *err = NULL;

        kms_head_down(h);
        if (!kms_head_up(h, &err)) {
            kms_card_lost(card, error_get_pretty(err));
            error_free(err);
            return;
        }
        kms_head_tell_guest(h);
        kms_head_place(h);
        kms_head_present(h);
    }
}

static void kms_vt_leave(void)
{
    for (guint i = 0; i < kms_cards->len; i++) {
        KmsCard *card = g_ptr_array_index(kms_cards, i);

        if (!card->lease && card->fd >= 0 && drmDropMaster(card->fd)) {
            warn_report("%s: cannot give DRM master up for the VT switch: "
                        "%s", card->path, strerror(errno));
        }
    }
    kms_vt_away = true;
    /* and the keyboards and pointers, for whoever uses that VT */
    if (kms_inputs) {
        g_hash_table_remove_all(kms_inputs);
    }
    if (ioctl(kms_vt_fd, VT_RELDISP, 1)) {
        warn_report("-display kms: the kernel refused the VT switch: %s",
                    strerror(errno));
    }
    info_report("-display kms: another VT is shown; the display is back "
                "with this one");
}

static void kms_vt_enter(void)
{
    ioctl(kms_vt_fd, VT_RELDISP, VT_ACKACQ);
    kms_vt_away = false;
    info_report("-display kms: back on this VT");
    if (kms_inputs) {
        kms_input_scan();
    }
    for (guint i = 0; i < kms_cards->len; i++) {
        KmsCard *card = g_ptr_array_index(kms_cards, i);

        if (card->lease || card->lost) {
            continue;
        }
        if (drmSetMaster(card->fd)) {
            kms_card_lost(card, "cannot become DRM master again (is "
                          "another program holding it?)");
            continue;
        }
        kms_card_remode(card);
    }
}

static void kms_vt_read(void *opaque)
{
    bool done = false;

    event_notifier_test_and_clear(&kms_vt_event);
    /*
     * Both may be asked before we get here (switched back and away again):
     * answer them in the order our state allows, so that none is lost.
     */
    while (!done) {
        done = true;
        if (kms_vt_release_asked && !kms_vt_away) {
            kms_vt_release_asked = 0;
            kms_vt_leave();
            done = false;
        }
        if (kms_vt_acquire_asked && kms_vt_away) {
            kms_vt_acquire_asked = 0;
            kms_vt_enter();
            done = false;
        }
    }
}

static void kms_vt_signal(int sig)
{
    int saved_errno = errno;

    if (sig == KMS_VT_RELSIG) {
        kms_vt_release_asked = 1;
    } else {
        kms_vt_acquire_asked = 1;
    }
    event_notifier_set(&kms_vt_event);
    errno = saved_errno;
}

/* Give the VT back to the kernel's console */
static void kms_vt_close(Notifier *n, void *data)
{
    struct vt_mode vm = { .mode = VT_AUTO };

    ioctl(kms_vt_fd, VT_SETMODE, &vm);
    ioctl(kms_vt_fd, KDSETMODE, KD_TEXT);
}

/*
 * Started on a virtual terminal (stdin a /dev/ttyN), QEMU owns that VT's
 * graphics: the kernel asks it before switching to another VT (VT_PROCESS
 * mode), and QEMU gives DRM master up, so that a display server or another
 * QEMU there can take the card; switched back, QEMU takes master again
 * and sets its modes anew.
 */
static void kms_vt_open(void)
{
    struct vt_mode vm = {
        .mode = VT_PROCESS,
        .relsig = KMS_VT_RELSIG,
        .acqsig = KMS_VT_ACQSIG,
    };
    struct sigaction sa = {
        .sa_handler = kms_vt_signal,
        .sa_flags = SA_RESTART,
    };
    struct stat st;
    int fd;

    /* a VT: the tty major (4), minors 1 to 63 */
    if (fstat(STDIN_FILENO, &st) || !S_ISCHR(st.st_mode) ||
        major(st.st_rdev) != 4 || minor(st.st_rdev) < 1 ||
        minor(st.st_rdev) > 63) {
        return;
    }
    fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
    if (fd < 0 || event_notifier_init(&kms_vt_event, false)) {
        warn_report("-display kms: cannot follow VT switches: %s",
                    strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    sigemptyset(&sa.sa_mask);
    sigaction(KMS_VT_RELSIG, &sa, NULL);
    sigaction(KMS_VT_ACQSIG, &sa, NULL);
    if (ioctl(fd, VT_SETMODE, &vm)) {
        warn_report("-display kms: cannot follow the switches of VT %u: %s",
                    minor(st.st_rdev), strerror(errno));
        event_notifier_cleanup(&kms_vt_event);
        close(fd);
        return;
    }
    kms_vt_fd = fd;
    /* the kernel's console must not draw over us */
    ioctl(fd, KDSETMODE, KD_GRAPHICS);
    kms_vt_exit.notify = kms_vt_close;
    qemu_add_exit_notifier(&kms_vt_exit);
    qemu_set_fd_handler(event_notifier_get_fd(&kms_vt_event), kms_vt_read,
                        NULL, NULL);
}

/* The first card with a connected connector */
static char *kms_default_device(Error **errp)
{
    for (int i = 0; i < 16; i++) {
        g_autofree char *path = g_strdup_printf("/dev/dri/card%d", i);
        int fd = open(path, O_RDWR | O_CLOEXEC);
        drmModeRes *res;
        bool connected = false;

        if (fd < 0) {
            continue;
        }
        res = drmModeGetResources(fd);
        for (int c = 0; res && c < res->count_connectors && !connected;
             c++) {
            drmModeConnector *conn = drmModeGetConnectorCurrent(
                fd, res->connectors[c]);

            connected = conn && conn->connection == DRM_MODE_CONNECTED;
            drmModeFreeConnector(conn);
        }
        drmModeFreeResources(res);
        close(fd);
        if (connected) {
            return g_steal_pointer(&path);
        }
    }
    error_setg(errp, "no card in /dev/dri has a connected connector; "
               "name one with device=/dev/dri/cardN");
    return NULL;
}

static KmsCard *kms_card_new(const char *path, bool lease)
{
    KmsCard *card = g_new0(KmsCard, 1);

    card->path = g_strdup(path);
    card->lease = lease;
    card->fd = -1;
    card->sock = -1;
    card->heads = g_ptr_array_new();
    g_ptr_array_add(kms_cards, card);
    return card;
}

static void kms_early_init(DisplayOptions *opts)
{
    DisplayKMS *k = &opts->u.kms;
    const char *end;

    if (k->mode &&
        (qemu_strtoul(k->mode, &end, 10, &kms_mode_w) || *end != 'x' ||
         qemu_strtoul(end + 1, &end, 10, &kms_mode_h) ||
         (*end && (*end != '@' ||
                   qemu_strtoul(end + 1, NULL, 10, &kms_mode_hz))) ||
         !kms_mode_w || !kms_mode_h)) {
        error_report("-display kms: mode=%s is not WxH or WxH@Hz, "
                     "e.g. mode=1920x1080", k->mode);
        exit(1);
    }
    if (k->device && k->lease) {
        error_report("-display kms: device= and lease= exclude each other: "
                     "a lease comes with its own card");
        exit(1);
    }
    if (k->lease && !k->connector) {
        error_report("-display kms: lease= needs connector.0=NAME: the "
                     "lessor leases outputs by connector name");
        exit(1);
    }
}

static void kms_init(DisplayState *ds, DisplayOptions *opts)
{
    KmsCard *card = NULL;
    strList *conn;
    Error *err = NULL;
    int nheads = 0;

    kms_opts = &opts->u.kms;
    kms_cards = g_ptr_array_new();
    /* no host pointer to show instead: the guest's, unless told not to */
    kms_show_cursor = !opts->has_show_cursor || opts->show_cursor;
    conn = kms_opts->connector;
    if (!kms_opts->lease) {
        g_autofree char *path = kms_opts->device ?
            g_strdup(kms_opts->device) : kms_default_device(&error_fatal);

        card = kms_card_new(path, false);
    }

    for (int idx = 0;; idx++) {
        QemuConsole *con = qemu_console_lookup_by_index(idx);
        Object *dev;
        KmsHead *h;

        if (!con) {
            break;
        }
        if (!qemu_console_is_graphic(con)) {
            continue;
        }
        dev = object_property_get_link(OBJECT(con), "device", NULL);
        if (dev && (object_dynamic_cast(dev, "virtio-gpu-gl-device") ||
                    object_dynamic_cast(dev, "virtio-gpu-rutabaga-device"))) {
            error_report("-display kms does not render with OpenGL: use "
                         "-device virtio-gpu-device (blob=true for zero "
                         "copy), not %s", object_get_typename(dev));
            exit(1);
        }
        if (kms_opts->connector && !conn) {
            info_report("-display kms: console %d is not shown: name a "
                        "connector for it (connector.%d=)", idx, nheads);
            continue;
        }
        h = g_new0(KmsHead, 1);
        h->front = -1;
        h->next_front = -1;
        h->dcl.con = con;
        h->dcl.ops = &kms_ops;
        if (conn) {
            h->connector = g_strdup(conn->value);
            conn = conn->next;
        }
        if (kms_opts->lease) {
            card = kms_card_new(kms_opts->lease, true);
        }
        h->card = card;
        for (int i = 0; i < 2; i++) {
            pixman_region32_init(&h->buf[i].damage);
        }
        g_ptr_array_add(card->heads, h);
        nheads++;
    }
    if (conn) {
        error_report("-display kms: connector.%d=%s has no graphic console "
                     "to show; add a display device or an output "
                     "(e.g. max_outputs=)", nheads, conn->value);
        exit(1);
    }
    if (!nheads) {
        error_report("-display kms: the machine has no graphic console; "
                     "add a display device, e.g. -device virtio-gpu");
        exit(1);
    }

    kms_uevent_open();
    kms_vt_open();
    kms_input_open();
    for (guint i = 0; i < kms_cards->len; i++) {
        KmsCard *c = g_ptr_array_index(kms_cards, i);

        if (!kms_card_open(c, &err)) {
            error_report_err(err);
            exit(1);
        }
        for (guint j = 0; j < c->heads->len; j++) {
            KmsHead *h = g_ptr_array_index(c->heads, j);

            qemu_console_set_display_gl_ctx(h->dcl.con, &kms_gl_ctx);
            register_displaychangelistener(&h->dcl);
            kms_head_tell_guest(h);
        }
    }
}

static QemuDisplay qemu_display_kms = {
    .type       = DISPLAY_TYPE_KMS,
    .early_init = kms_early_init,
    .init       = kms_init,
};

static void register_kms(void)
{
    qemu_display_register(&qemu_display_kms);
}

type_init(register_kms);
