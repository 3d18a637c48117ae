/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-lessor-drm: lessor-drm.c against a stand-in for libdrm, TAP output.
 *
 * This program defines the libdrm functions lessor-drm.c calls, over a
 * small card described in tables, and is linked without libdrm.  It
 * checks what lessor-drm.c makes of the answers: the snapshot (names,
 * encoder routing, plane types), the master checks and their messages,
 * and how ENODEV and vanished objects are handled.  The kernel's side is
 * tested on a real virtio-gpu in the nested bed (docs/LESSOR.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "lessor-device.h"
#include "test-tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifndef DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT
#define DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT 6
#endif

/* ---- The card ---- */

static const uint32_t crtc_ids[] = { 31, 32 };

static const drmModeEncoder encoders[] = {
    { .encoder_id = 41, .crtc_id = 31, .possible_crtcs = 0x1 },
    { .encoder_id = 42, .crtc_id = 0, .possible_crtcs = 0x2 },
    { .encoder_id = 43, .crtc_id = 0, .possible_crtcs = 0x3 },
};

typedef struct StubConnector {
    uint32_t id, encoder_id, type, type_id;
    drmModeConnection connection;
    uint32_t encoders[2];
    int n_encoders;
    bool vanished;              /* listed, but gone when asked */
} StubConnector;

static const StubConnector connectors[] = {
    { 51, 41, DRM_MODE_CONNECTOR_HDMIA, 1, DRM_MODE_CONNECTED, { 41 }, 1,
      false },
    { 52, 0, DRM_MODE_CONNECTOR_VIRTUAL, 3, DRM_MODE_DISCONNECTED,
      { 42, 43 }, 2, false },
    { 53, 0, DRM_MODE_CONNECTOR_DSI, 1, DRM_MODE_CONNECTED, { 43 }, 1,
      true },
    { 54, 0, 99, 2, DRM_MODE_UNKNOWNCONNECTION, { 99 }, 1, false },
};

#define PROP_FB_ID 100
#define PROP_TYPE 101
#define PROP_CRTC_ID 102

typedef struct StubPlane {
    uint32_t id, possible_crtcs, crtc_id;
    int type;                   /* -1: no "type" property */
} StubPlane;

static const StubPlane planes[] = {
    { 61, 0x1, 31, DRM_PLANE_TYPE_PRIMARY },
    { 62, 0x2, 0, DRM_PLANE_TYPE_PRIMARY },
    { 63, 0x1, 0, DRM_PLANE_TYPE_CURSOR },
    { 64, 0x3, 0, DRM_PLANE_TYPE_OVERLAY },
    { 65, 0x3, 0, -1 },
};

/* What the stubs do, and what they saw */
static struct {
    bool not_drm, is_master, set_master_fails, no_universal_planes;
    bool no_connectors, gone, lease_fails, revoke_enoent;
    bool virtual_gpu;           /* hides cursor planes, as Linux >= 6.8 */
    bool atomic, hotspot;       /* client caps set */
    int probes, get_property_calls;
    uint32_t leased[8];
    int n_leased;
} stub;

static void *zalloc(size_t size)
{
    void *p = calloc(1, size);

    if (!p) {
        abort();
    }
    return p;
}

static bool fail_gone(void)
{
    if (stub.gone) {
        errno = ENODEV;
    }
    return stub.gone;
}

/* ---- libdrm, as far as lessor-drm.c uses it ---- */

drmVersionPtr drmGetVersion(int fd)
{
    (void)fd;
    if (stub.not_drm) {
        errno = ENOTTY;
        return NULL;
    }
    return zalloc(sizeof(drmVersion));
}

void drmFreeVersion(drmVersionPtr v)
{
    free(v);
}

int drmIsMaster(int fd)
{
    (void)fd;
    return stub.is_master;
}

int drmSetMaster(int fd)
{
    (void)fd;
    if (stub.set_master_fails) {
        errno = EBUSY;
        return -1;
    }
    stub.is_master = true;
    return 0;
}

int drmSetClientCap(int fd, uint64_t cap, uint64_t value)
{
    (void)fd;
    if (cap == DRM_CLIENT_CAP_UNIVERSAL_PLANES && stub.no_universal_planes) {
        errno = EINVAL;
        return -1;
    }
    if (cap == DRM_CLIENT_CAP_ATOMIC) {
        stub.atomic = value;
    }
    if (cap == DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT) {
        /* The kernel's rules: atomic first, virtual GPU drivers only */
        if (!stub.atomic || !stub.virtual_gpu) {
            errno = EINVAL;
            return -1;
        }
        stub.hotspot = value;
    }
    return 0;
}

drmModeResPtr drmModeGetResources(int fd)
{
    drmModeRes *res;
    size_t i;

    (void)fd;
    if (fail_gone()) {
        return NULL;
    }
    res = zalloc(sizeof(*res));
    res->count_crtcs = ARRAY_SIZE(crtc_ids);
    res->crtcs = zalloc(sizeof(crtc_ids));
    memcpy(res->crtcs, crtc_ids, sizeof(crtc_ids));
    res->count_encoders = ARRAY_SIZE(encoders);
    res->encoders = zalloc(ARRAY_SIZE(encoders) * sizeof(uint32_t));
    for (i = 0; i < ARRAY_SIZE(encoders); i++) {
        res->encoders[i] = encoders[i].encoder_id;
    }
    res->count_connectors = stub.no_connectors ? 0 : ARRAY_SIZE(connectors);
    res->connectors = zalloc(ARRAY_SIZE(connectors) * sizeof(uint32_t));
    for (i = 0; i < ARRAY_SIZE(connectors); i++) {
        res->connectors[i] = connectors[i].id;
    }
    return res;
}

void drmModeFreeResources(drmModeResPtr res)
{
    if (res) {
        free(res->crtcs);
        free(res->encoders);
        free(res->connectors);
        free(res);
    }
}

drmModeEncoderPtr drmModeGetEncoder(int fd, uint32_t id)
{
    size_t i;

    (void)fd;
    if (fail_gone()) {
        return NULL;
    }
    for (i = 0; i < ARRAY_SIZE(encoders); i++) {
        if (encoders[i].encoder_id == id) {
            drmModeEncoder *e = zalloc(sizeof(*e));

            *e = encoders[i];
            return e;
        }
    }
    errno = ENOENT;
    return NULL;
}

void drmModeFreeEncoder(drmModeEncoderPtr e)
{
    free(e);
}

static drmModeConnectorPtr get_connector(uint32_t id)
{
    size_t i;

    if (fail_gone()) {
        return NULL;
    }
    for (i = 0; i < ARRAY_SIZE(connectors); i++) {
        const StubConnector *s = &connectors[i];
        drmModeConnector *c;

        if (s->id != id || s->vanished) {
            continue;
        }
        c = zalloc(sizeof(*c));
        c->connector_id = s->id;
        c->encoder_id = s->encoder_id;
        c->connector_type = s->type;
        c->connector_type_id = s->type_id;
        c->connection = s->connection;
        c->count_encoders = s->n_encoders;
        c->encoders = zalloc(sizeof(s->encoders));
        memcpy(c->encoders, s->encoders, sizeof(s->encoders));
        return c;
    }
    errno = ENOENT;
    return NULL;
}

drmModeConnectorPtr drmModeGetConnector(int fd, uint32_t id)
{
    (void)fd;
    stub.probes++;
    return get_connector(id);
}

drmModeConnectorPtr drmModeGetConnectorCurrent(int fd, uint32_t id)
{
    (void)fd;
    return get_connector(id);
}

void drmModeFreeConnector(drmModeConnectorPtr c)
{
    if (c) {
        free(c->encoders);
        free(c);
    }
}

const char *drmModeGetConnectorTypeName(uint32_t type)
{
    switch (type) {
    case DRM_MODE_CONNECTOR_HDMIA:
        return "HDMI-A";
    case DRM_MODE_CONNECTOR_VIRTUAL:
        return "Virtual";
    case DRM_MODE_CONNECTOR_DSI:
        return "DSI";
    default:
        return NULL;
    }
}

drmModePlaneResPtr drmModeGetPlaneResources(int fd)
{
    drmModePlaneRes *res;
    size_t i;

    (void)fd;
    if (fail_gone()) {
        return NULL;
    }
    res = zalloc(sizeof(*res));
    res->planes = zalloc(ARRAY_SIZE(planes) * sizeof(uint32_t));
    for (i = 0; i < ARRAY_SIZE(planes); i++) {
        /* Linux >= 6.8 on virtual GPUs: no cursor without the hotspot */
        if (planes[i].type == DRM_PLANE_TYPE_CURSOR && stub.virtual_gpu &&
            stub.atomic && !stub.hotspot) {
            continue;
        }
        res->planes[res->count_planes++] = planes[i].id;
    }
    return res;
}

void drmModeFreePlaneResources(drmModePlaneResPtr res)
{
    if (res) {
        free(res->planes);
        free(res);
    }
}

static const StubPlane *find_plane(uint32_t id)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(planes); i++) {
        if (planes[i].id == id) {
            return &planes[i];
        }
    }
    return NULL;
}

drmModePlanePtr drmModeGetPlane(int fd, uint32_t id)
{
    const StubPlane *s = find_plane(id);
    drmModePlane *p;

    (void)fd;
    if (fail_gone()) {
        return NULL;
    }
    if (!s) {
        errno = ENOENT;
        return NULL;
    }
    p = zalloc(sizeof(*p));
    p->plane_id = s->id;
    p->possible_crtcs = s->possible_crtcs;
    p->crtc_id = s->crtc_id;
    return p;
}

void drmModeFreePlane(drmModePlanePtr p)
{
    free(p);
}

drmModeObjectPropertiesPtr drmModeObjectGetProperties(int fd, uint32_t id,
                                                      uint32_t type)
{
    const StubPlane *s = find_plane(id);
    drmModeObjectProperties *props;

    (void)fd;
    if (fail_gone()) {
        return NULL;
    }
    if (!s || type != DRM_MODE_OBJECT_PLANE) {
        errno = ENOENT;
        return NULL;
    }
    /* "type" is not the first property, as on real drivers */
    props = zalloc(sizeof(*props));
    props->props = zalloc(3 * sizeof(uint32_t));
    props->prop_values = zalloc(3 * sizeof(uint64_t));
    props->props[props->count_props] = PROP_FB_ID;
    props->prop_values[props->count_props++] = 0;
    props->props[props->count_props] = PROP_CRTC_ID;
    props->prop_values[props->count_props++] = s->crtc_id;
    if (s->type >= 0) {
        props->props[props->count_props] = PROP_TYPE;
        props->prop_values[props->count_props++] = s->type;
    }
    return props;
}

void drmModeFreeObjectProperties(drmModeObjectPropertiesPtr props)
{
    if (props) {
        free(props->props);
        free(props->prop_values);
        free(props);
    }
}

drmModePropertyPtr drmModeGetProperty(int fd, uint32_t id)
{
    drmModePropertyRes *prop;

    (void)fd;
    stub.get_property_calls++;
    prop = zalloc(sizeof(*prop));
    prop->prop_id = id;
    snprintf(prop->name, sizeof(prop->name), "%s",
             id == PROP_TYPE ? "type" : id == PROP_FB_ID ? "FB_ID" :
             "CRTC_ID");
    return prop;
}

void drmModeFreeProperty(drmModePropertyPtr prop)
{
    free(prop);
}

int drmModeCreateLease(int fd, const uint32_t *objects, int n, int flags,
                       uint32_t *lessee_id)
{
    (void)fd;
    if (stub.gone) {
        return -ENODEV;
    }
    if (stub.lease_fails || !(flags & O_CLOEXEC) || n > 8) {
        return -EINVAL;
    }
    memcpy(stub.leased, objects, n * sizeof(*objects));
    stub.n_leased = n;
    *lessee_id = 77;
    return open("/dev/null", O_RDWR | O_CLOEXEC);
}

int drmModeRevokeLease(int fd, uint32_t lessee_id)
{
    (void)fd;
    if (stub.gone) {
        return -ENODEV;
    }
    return stub.revoke_enoent || lessee_id != 77 ? -ENOENT : 0;
}

/* ---- Tests ---- */

/* Open /dev/null as the card; NULL with the reason in @err */
static LessorDevice *open_stub(char *err, size_t size)
{
    err[0] = '\0';
    return lessor_device_open("/dev/null", err, size);
}

static void expect_open_error(const char *name, const char *want)
{
    LessorDevice *dev;
    char err[512];

    dev = open_stub(err, sizeof(err));
    if (!check(!dev && strstr(err, want), "open: %s", name)) {
        printf("# got '%s', want '%s'\n", err, want);
    }
    lessor_device_close(dev);
    memset(&stub, 0, sizeof(stub));
}

static void test_open(void)
{
    LessorDevice *dev;
    char err[512];

    dev = lessor_device_open("/nonexistent/card0", err, sizeof(err));
    check(!dev && strcmp(err, "cannot open /nonexistent/card0: No such file "
                         "or directory") == 0, "open: a missing path");

    stub.not_drm = true;
    expect_open_error("not a DRM device", "/dev/null is not a DRM device");
    stub.set_master_fails = true;
    expect_open_error("another master", "cannot become DRM master of "
                      "/dev/null: Device or resource busy");
    stub.is_master = true;
    stub.no_universal_planes = true;
    expect_open_error("no universal planes", "does not expose universal");
    stub.is_master = true;
    stub.no_connectors = true;
    expect_open_error("no connectors", "has no connectors");

    stub.is_master = true;
    stub.set_master_fails = true;
    dev = open_stub(err, sizeof(err));
    check(dev && strcmp(lessor_device_path(dev), "/dev/null") == 0,
          "open: already master (first opener): SET_MASTER not needed");
    check(stub.probes == (int)ARRAY_SIZE(connectors),
          "open: every connector probed once (%d)", stub.probes);
    lessor_device_close(dev);
    memset(&stub, 0, sizeof(stub));

    dev = open_stub(err, sizeof(err));
    check(dev && stub.is_master, "open: not master yet: SET_MASTER");
    lessor_device_close(dev);
    memset(&stub, 0, sizeof(stub));
}

static void test_snapshot(void)
{
    LessorDevice *dev;
    LessorKms kms;
    LessorLeaseIds ids;
    char err[512];
    int ret, fd, calls;
    bool ok;

    dev = open_stub(err, sizeof(err));
    if (!check(dev != NULL, "snapshot: open")) {
        return;
    }
    stub.probes = 0;
    ret = lessor_device_snapshot(dev, &kms);
    check(ret == 0 && kms.n_crtcs == 2 && kms.crtcs[0].id == 31 &&
          kms.crtcs[1].id == 32, "snapshot: CRTCs in kernel order");
    check(kms.n_connectors == 3, "snapshot: a vanished connector is skipped");
    ok = kms.n_connectors == 3 &&
         strcmp(kms.connectors[0].name, "HDMI-A-1") == 0 &&
         strcmp(kms.connectors[1].name, "Virtual-3") == 0 &&
         strcmp(kms.connectors[2].name, "Unknown99-2") == 0;
    check(ok, "snapshot: connector names type-id, unknown types named");
    ok = kms.n_connectors == 3 &&
         kms.connectors[0].status == LESSOR_CONN_CONNECTED &&
         kms.connectors[1].status == LESSOR_CONN_DISCONNECTED &&
         kms.connectors[2].status == LESSOR_CONN_UNKNOWN;
    check(ok, "snapshot: connection status");
    ok = kms.n_connectors == 3 && kms.connectors[0].possible_crtcs == 0x1 &&
         kms.connectors[1].possible_crtcs == 0x3 &&
         kms.connectors[2].possible_crtcs == 0 &&
         kms.connectors[0].crtc_id == 31 && kms.connectors[1].crtc_id == 0;
    check(ok, "snapshot: CRTCs from the encoders, current from the encoder");
    ok = kms.n_planes == 5 && kms.planes[0].type == LESSOR_PLANE_PRIMARY &&
         kms.planes[1].type == LESSOR_PLANE_PRIMARY &&
         kms.planes[2].type == LESSOR_PLANE_CURSOR &&
         kms.planes[3].type == LESSOR_PLANE_OVERLAY &&
         kms.planes[4].type == LESSOR_PLANE_OVERLAY &&
         kms.planes[1].possible_crtcs == 0x2 && kms.planes[0].crtc_id == 31;
    check(ok, "snapshot: plane types from the type property");
    check(stub.atomic && !stub.hotspot,
          "snapshot: atomic; the hotspot cap refused, harmlessly");
    check(stub.probes == 0, "snapshot: no forced probe");
    check(lessor_kms_pick(&kms, 0, &ids) == LESSOR_PICK_OK &&
          ids.crtc_id == 31 && ids.plane_id == 61 &&
          ids.cursor_plane_id == 63, "snapshot: HDMI-A-1 gets 31, 61, 63");
    lessor_kms_clear(&kms);

    calls = stub.get_property_calls;
    ret = lessor_device_snapshot(dev, &kms);
    check(ret == 0 && stub.get_property_calls == calls,
          "snapshot: the type property ID is looked up once (%d calls)",
          calls);
    lessor_kms_clear(&kms);

    {
        const uint32_t objects[] = { 51, 31, 61, 63 };
        uint32_t lessee = 0;

        fd = lessor_device_create_lease(dev, objects, 4, &lessee);
        check(fd >= 0 && lessee == 77 && stub.n_leased == 4 &&
              memcmp(stub.leased, objects, sizeof(objects)) == 0,
              "lease: objects passed, fd and lessee returned");
        if (fd >= 0) {
            close(fd);
        }
        stub.lease_fails = true;
        check(lessor_device_create_lease(dev, objects, 4, &lessee) ==
              -EINVAL, "lease: the kernel's error returned");
        check(lessor_device_revoke_lease(dev, 77) == 0,
              "revoke: succeeds");
        stub.revoke_enoent = true;
        check(lessor_device_revoke_lease(dev, 77) == -ENOENT,
              "revoke: a lessee already gone is -ENOENT");
    }

    stub.gone = true;
    ret = lessor_device_snapshot(dev, &kms);
    check(ret == -ENODEV && kms.connectors == NULL && kms.n_planes == 0,
          "gone: snapshot fails with -ENODEV and leaves nothing");
    check(lessor_device_revoke_lease(dev, 77) == -ENODEV,
          "gone: revoke fails with -ENODEV");
    lessor_device_close(dev);
    memset(&stub, 0, sizeof(stub));
}

/*
 * A virtual GPU's cursor plane (virtio-gpu on Linux >= 6.8): only seen
 * with DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT, and then leased
 */
static void test_virtual_gpu(void)
{
    LessorDevice *dev;
    LessorKms kms;
    LessorLeaseIds ids;
    char err[512];
    bool ok;

    stub.virtual_gpu = true;
    dev = open_stub(err, sizeof(err));
    if (!check(dev != NULL, "virtual GPU: open")) {
        memset(&stub, 0, sizeof(stub));
        return;
    }
    check(stub.atomic && stub.hotspot, "virtual GPU: the hotspot cap set");
    ok = lessor_device_snapshot(dev, &kms) == 0 && kms.n_planes == 5 &&
         kms.planes[2].id == 63 && kms.planes[2].type == LESSOR_PLANE_CURSOR;
    check(ok, "virtual GPU: the cursor plane is seen");
    check(ok && lessor_kms_pick(&kms, 0, &ids) == LESSOR_PICK_OK &&
          ids.cursor_plane_id == 63, "virtual GPU: and leased with its CRTC");
    lessor_kms_clear(&kms);
    lessor_device_close(dev);
    memset(&stub, 0, sizeof(stub));
}

int main(void)
{
    test_open();
    test_snapshot();
    test_virtual_gpu();
    return tap_finish();
}
