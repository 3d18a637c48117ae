/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kms-pattern: show a known test pattern on one KMS connector, from a
 * DRM card or from a lease of the lessor daemon, for the KMS test bed.
 *
 * The pattern is a function of (ID, x, y, W, H) that kms-bed/compare.py
 * computes identically to check the outer QEMU's screendump pixel for
 * pixel.  --prime-test probes whether the card imports a foreign dmabuf
 * (a udmabuf over a memfd) and, if it does and a connector is named,
 * scans the pattern out of that udmabuf.  Built and run by
 * scripts/kms-bed.sh and kms-bed/scenarios/.
 *
 * Exit status: 0 done, 1 error, 2 the lessor refused the lease,
 * 3 (--prime-test) the card refused to import the udmabuf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/udmabuf.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

/* Keep in step with kms-bed/compare.py */
static const uint32_t palette[8] = {
    0xff0000, 0x00ff00, 0x0000ff, 0xffff00,
    0x00ffff, 0xff00ff, 0x808080, 0xff8000,
};

static uint32_t pattern_pixel(unsigned id, unsigned x, unsigned y,
                              unsigned w, unsigned h)
{
    if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
        return 0xffffff;
    }
    return palette[(x * 8 / w + y * 4 / h + id) % 8];
}

struct options {
    const char *device;
    const char *lease;
    const char *connector;
    unsigned mode_w, mode_h;
    unsigned pattern;
    bool hold;
    bool prime_test;
};

/* What the lessor granted: "OK <lessee> <connector> <crtc> <plane> <cursor>" */
struct lease_info {
    int sock;
    uint32_t lessee, connector, crtc, plane, cursor;
};

struct buffer {
    const char *kind;           /* "dumb" or "udmabuf" */
    uint32_t handle, pitch, fb_id;
    uint64_t size;
    void *map;
    int memfd, dmabuf;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: kms-pattern [--device /dev/dri/cardN | --lease SOCKET]\n"
            "           --connector NAME [--mode WxH] --pattern ID [--hold]\n"
            "       kms-pattern [--device /dev/dri/cardN] --prime-test\n"
            "           [--connector NAME [--mode WxH] --pattern ID "
            "[--hold]]\n"
            "  NAME is <type>-<n> as the kernel names connectors, e.g. "
            "Virtual-1\n");
    exit(1);
}

static int parse_uint(const char *s, unsigned *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > 0xffffffffUL) {
        return -1;
    }
    *out = v;
    return 0;
}

static void parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "device", required_argument, NULL, 'd' },
        { "lease", required_argument, NULL, 'l' },
        { "connector", required_argument, NULL, 'c' },
        { "mode", required_argument, NULL, 'm' },
        { "pattern", required_argument, NULL, 'p' },
        { "hold", no_argument, NULL, 'H' },
        { "prime-test", no_argument, NULL, 'P' },
        { NULL, 0, NULL, 0 },
    };
    bool have_pattern = false;
    int c;

    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->device = optarg;
            break;
        case 'l':
            o->lease = optarg;
            break;
        case 'c':
            o->connector = optarg;
            break;
        case 'm':
            if (sscanf(optarg, "%ux%u", &o->mode_w, &o->mode_h) != 2 ||
                !o->mode_w || !o->mode_h) {
                fprintf(stderr, "kms-pattern: --mode takes WxH, e.g. "
                        "800x600, not '%s'\n", optarg);
                exit(1);
            }
            break;
        case 'p':
            if (parse_uint(optarg, &o->pattern)) {
                fprintf(stderr, "kms-pattern: --pattern takes a whole "
                        "number, not '%s'\n", optarg);
                exit(1);
            }
            have_pattern = true;
            break;
        case 'H':
            o->hold = true;
            break;
        case 'P':
            o->prime_test = true;
            break;
        default:
            usage();
        }
    }
    if (optind != argc || (o->device && o->lease) ||
        (o->lease && o->prime_test) ||
        (!o->connector && !o->prime_test) ||
        (o->connector && !have_pattern)) {
        usage();
    }
    if (!o->device && !o->lease) {
        o->device = "/dev/dri/card0";
    }
}

/* The kernel's name of a connector: "<type name>-<type id>" */
static void connector_name(const drmModeConnector *conn, char *buf,
                           size_t len)
{
    const char *type = drmModeGetConnectorTypeName(conn->connector_type);

    snprintf(buf, len, "%s-%" PRIu32, type ? type : "Unknown",
             conn->connector_type_id);
}

/*
 * Ask the lessor at PATH for a lease of CONNECTOR; return the lease fd
 * (a DRM master fd limited to the leased objects), or exit: 2 if the
 * lessor answered ERR, 1 on any other failure.
 */
static int lease_open(const char *path, const char *connector,
                      struct lease_info *li)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    char line[256], req[256];
    size_t got = 0;
    int fd = -1, n;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        fprintf(stderr, "kms-pattern: socket path %s is too long\n", path);
        exit(1);
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    li->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (li->sock < 0 ||
        connect(li->sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        fprintf(stderr, "kms-pattern: cannot connect to the lessor at %s: "
                "%s\n", path, strerror(errno));
        exit(1);
    }
    n = snprintf(req, sizeof(req), "LEASE 1 %s\n", connector);
    if (n < 0 || (size_t)n >= sizeof(req) ||
        send(li->sock, req, n, MSG_NOSIGNAL) != n) {
        fprintf(stderr, "kms-pattern: cannot send the lease request: %s\n",
                strerror(errno));
        exit(1);
    }

    /* One reply line; the fd rides on one of its segments */
    while (!memchr(line, '\n', got)) {
        union {
            struct cmsghdr hdr;
            char buf[CMSG_SPACE(sizeof(int))];
        } ctrl;
        struct iovec iov = { line + got, sizeof(line) - 1 - got };
        struct msghdr msg = {
            .msg_iov = &iov, .msg_iovlen = 1,
            .msg_control = ctrl.buf, .msg_controllen = sizeof(ctrl.buf),
        };
        struct cmsghdr *cm;
        ssize_t r;

        if (got == sizeof(line) - 1) {
            fprintf(stderr, "kms-pattern: the lessor's reply is longer "
                    "than %zu bytes\n", got);
            exit(1);
        }
        r = recvmsg(li->sock, &msg, MSG_CMSG_CLOEXEC);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            fprintf(stderr, "kms-pattern: the lessor %s before replying\n",
                    r ? strerror(errno) : "closed the connection");
            exit(1);
        }
        for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
            if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
                cm->cmsg_len == CMSG_LEN(sizeof(int)) && fd < 0) {
                memcpy(&fd, CMSG_DATA(cm), sizeof(int));
            }
        }
        got += r;
    }
    line[got] = '\0';
    *strchr(line, '\n') = '\0';

    if (strncmp(line, "ERR ", 4) == 0) {
        fprintf(stderr, "kms-pattern: the lessor refused: %s\n", line);
        exit(2);
    }
    if (sscanf(line, "OK %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu32
               " %" SCNu32, &li->lessee, &li->connector, &li->crtc,
               &li->plane, &li->cursor) != 5) {
        fprintf(stderr, "kms-pattern: cannot parse the lessor's reply "
                "'%s'\n", line);
        exit(1);
    }
    if (fd < 0) {
        fprintf(stderr, "kms-pattern: the lessor replied '%s' without a "
                "lease fd\n", line);
        exit(1);
    }
    printf("LEASE-GRANTED lessee=%" PRIu32 " connector=%" PRIu32
           " crtc=%" PRIu32 " plane=%" PRIu32 " cursor=%" PRIu32 "\n",
           li->lessee, li->connector, li->crtc, li->plane, li->cursor);
    return fd;
}

/* The connector named NAME, or NULL with a message */
static drmModeConnector *find_connector(int fd, const char *name)
{
    drmModeRes *res = drmModeGetResources(fd);
    drmModeConnector *found = NULL;
    char cname[64];
    int i;

    if (!res) {
        fprintf(stderr, "kms-pattern: drmModeGetResources: %s\n",
                strerror(errno));
        return NULL;
    }
    for (i = 0; i < res->count_connectors && !found; i++) {
        drmModeConnector *conn = drmModeGetConnector(fd, res->connectors[i]);

        if (!conn) {
            fprintf(stderr, "kms-pattern: drmModeGetConnector %" PRIu32
                    ": %s\n", res->connectors[i], strerror(errno));
            continue;
        }
        connector_name(conn, cname, sizeof(cname));
        if (strcmp(cname, name) == 0) {
            found = conn;
        } else {
            drmModeFreeConnector(conn);
        }
    }
    if (!found) {
        fprintf(stderr, "kms-pattern: no connector %s; there are:", name);
        for (i = 0; i < res->count_connectors; i++) {
            drmModeConnector *conn =
                drmModeGetConnector(fd, res->connectors[i]);

            if (conn) {
                connector_name(conn, cname, sizeof(cname));
                fprintf(stderr, " %s", cname);
                drmModeFreeConnector(conn);
            }
        }
        fprintf(stderr, "\n");
    }
    drmModeFreeResources(res);
    return found;
}

/* The CRTC to drive CONN with: its current one, else the first it can use */
static uint32_t pick_crtc(int fd, const drmModeConnector *conn)
{
    drmModeRes *res = drmModeGetResources(fd);
    uint32_t crtc = 0;
    int i, j;

    if (!res) {
        fprintf(stderr, "kms-pattern: drmModeGetResources: %s\n",
                strerror(errno));
        return 0;
    }
    if (conn->encoder_id) {
        drmModeEncoder *enc = drmModeGetEncoder(fd, conn->encoder_id);

        if (enc) {
            crtc = enc->crtc_id;
            drmModeFreeEncoder(enc);
        }
    }
    for (i = 0; i < conn->count_encoders && !crtc; i++) {
        drmModeEncoder *enc = drmModeGetEncoder(fd, conn->encoders[i]);

        if (!enc) {
            continue;
        }
        for (j = 0; j < res->count_crtcs && !crtc; j++) {
            if (enc->possible_crtcs & (1u << j)) {
                crtc = res->crtcs[j];
            }
        }
        drmModeFreeEncoder(enc);
    }
    drmModeFreeResources(res);
    if (!crtc) {
        fprintf(stderr, "kms-pattern: no CRTC can drive connector %" PRIu32
                "\n", conn->connector_id);
    }
    return crtc;
}

/*
 * The mode to set: among the modes of the requested size (or all), the
 * preferred one, else the one of the kernel's video= option, else the first
 */
static const drmModeModeInfo *pick_mode(const drmModeConnector *conn,
                                        const struct options *o)
{
    const drmModeModeInfo *best = NULL;
    int i, rank, best_rank = -1;

    for (i = 0; i < conn->count_modes; i++) {
        const drmModeModeInfo *m = &conn->modes[i];

        if (o->mode_w && (m->hdisplay != o->mode_w ||
                          m->vdisplay != o->mode_h)) {
            continue;
        }
        rank = m->type & DRM_MODE_TYPE_PREFERRED ? 2 :
               m->type & DRM_MODE_TYPE_USERDEF ? 1 : 0;
        if (rank > best_rank) {
            best = m;
            best_rank = rank;
        }
    }
    if (!best && !conn->count_modes) {
        fprintf(stderr, "kms-pattern: connector %s has no modes (is it "
                "connected?)\n", o->connector);
    } else if (!best) {
        fprintf(stderr, "kms-pattern: connector %s lists no %ux%u mode; it "
                "has:", o->connector, o->mode_w, o->mode_h);
        for (i = 0; i < conn->count_modes; i++) {
            fprintf(stderr, " %s", conn->modes[i].name);
        }
        fprintf(stderr, "\n");
    }
    return best;
}

static void draw(struct buffer *b, unsigned id, unsigned w, unsigned h)
{
    unsigned x, y;

    for (y = 0; y < h; y++) {
        uint32_t *row = (uint32_t *)((char *)b->map + (size_t)y * b->pitch);

        for (x = 0; x < w; x++) {
            row[x] = pattern_pixel(id, x, y, w, h);
        }
    }
}

static int dumb_create(int fd, unsigned w, unsigned h, struct buffer *b)
{
    uint64_t offset;

    b->kind = "dumb";
    if (drmModeCreateDumbBuffer(fd, w, h, 32, 0, &b->handle, &b->pitch,
                                &b->size)) {
        fprintf(stderr, "kms-pattern: cannot create a %ux%u dumb buffer: "
                "%s\n", w, h, strerror(errno));
        return -1;
    }
    if (drmModeMapDumbBuffer(fd, b->handle, &offset)) {
        fprintf(stderr, "kms-pattern: cannot map the dumb buffer: %s\n",
                strerror(errno));
        return -1;
    }
    b->map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                  offset);
    if (b->map == MAP_FAILED) {
        b->map = NULL;
        fprintf(stderr, "kms-pattern: cannot mmap the dumb buffer: %s\n",
                strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * A udmabuf over a memfd of W x H XRGB8888, imported into the card:
 * return 0 if imported, 3 if the card refused the import, 1 on errors
 * before the import.
 */
static int udmabuf_create(int fd, unsigned w, unsigned h, struct buffer *b)
{
    long page = sysconf(_SC_PAGESIZE);
    struct udmabuf_create create = { 0 };
    int dev, ret;

    b->kind = "udmabuf";
    b->pitch = w * 4;
    b->size = ((uint64_t)b->pitch * h + page - 1) / page * page;
    dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
    if (dev < 0) {
        fprintf(stderr, "kms-pattern: cannot open /dev/udmabuf: %s\n",
                strerror(errno));
        return 1;
    }
    b->memfd = memfd_create("kms-pattern", MFD_ALLOW_SEALING | MFD_CLOEXEC);
    if (b->memfd < 0 || ftruncate(b->memfd, b->size) < 0 ||
        fcntl(b->memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
        fprintf(stderr, "kms-pattern: cannot make a sealed memfd: %s\n",
                strerror(errno));
        close(dev);
        return 1;
    }
    create.memfd = b->memfd;
    create.flags = UDMABUF_FLAGS_CLOEXEC;
    create.size = b->size;
    b->dmabuf = ioctl(dev, UDMABUF_CREATE, &create);
    close(dev);
    if (b->dmabuf < 0) {
        fprintf(stderr, "kms-pattern: UDMABUF_CREATE: %s\n", strerror(errno));
        return 1;
    }
    b->map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED,
                  b->memfd, 0);
    if (b->map == MAP_FAILED) {
        b->map = NULL;
        fprintf(stderr, "kms-pattern: cannot mmap the memfd: %s\n",
                strerror(errno));
        return 1;
    }
    ret = drmPrimeFDToHandle(fd, b->dmabuf, &b->handle);
    if (ret) {
        ret = errno;
        printf("PRIME-IMPORT udmabuf refused: %s (errno %d)\n",
               strerror(ret), ret);
        b->handle = 0;
        return 3;
    }
    printf("PRIME-IMPORT udmabuf ok handle=%" PRIu32 "\n", b->handle);
    return 0;
}

static void buffer_destroy(int fd, struct buffer *b)
{
    if (b->fb_id && drmModeRmFB(fd, b->fb_id)) {
        fprintf(stderr, "kms-pattern: drmModeRmFB: %s\n", strerror(errno));
    }
    if (b->map && munmap(b->map, b->size)) {
        fprintf(stderr, "kms-pattern: munmap: %s\n", strerror(errno));
    }
    if (b->handle && strcmp(b->kind, "dumb") == 0) {
        if (drmModeDestroyDumbBuffer(fd, b->handle)) {
            fprintf(stderr, "kms-pattern: drmModeDestroyDumbBuffer: %s\n",
                    strerror(errno));
        }
    } else if (b->handle) {
        struct drm_gem_close gc = { .handle = b->handle };

        if (drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &gc)) {
            fprintf(stderr, "kms-pattern: GEM_CLOSE: %s\n", strerror(errno));
        }
    }
    if (b->dmabuf >= 0) {
        close(b->dmabuf);
    }
    if (b->memfd >= 0) {
        close(b->memfd);
    }
}

static int add_fb(int fd, unsigned w, unsigned h, struct buffer *b)
{
    uint32_t handles[4] = { b->handle }, pitches[4] = { b->pitch };
    uint32_t offsets[4] = { 0 };

    if (drmModeAddFB2(fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches,
                      offsets, &b->fb_id, 0) == 0) {
        return 0;
    }
    if (errno == EINVAL &&
        drmModeAddFB(fd, w, h, 24, 32, b->pitch, b->handle, &b->fb_id) == 0) {
        return 0;
    }
    b->fb_id = 0;
    fprintf(stderr, "kms-pattern: cannot add a %ux%u XRGB8888 framebuffer "
            "of the %s buffer: %s\n", w, h, b->kind, strerror(errno));
    return -1;
}

/*
 * The PRIME capabilities and a self round trip (export a dumb buffer,
 * import it back); the udmabuf import is done by udmabuf_create.
 */
static void prime_probe(int fd)
{
    struct buffer b = { .memfd = -1, .dmabuf = -1 };
    drmVersionPtr ver = drmGetVersion(fd);
    uint64_t cap = 0;
    uint32_t handle;

    if (ver) {
        printf("PRIME-DRIVER %s\n", ver->name);
        drmFreeVersion(ver);
    }
    if (drmGetCap(fd, DRM_CAP_PRIME, &cap)) {
        printf("PRIME-CAP unknown: %s\n", strerror(errno));
    } else {
        printf("PRIME-CAP import=%d export=%d\n",
               !!(cap & DRM_PRIME_CAP_IMPORT), !!(cap & DRM_PRIME_CAP_EXPORT));
    }
    if (dumb_create(fd, 64, 64, &b)) {
        buffer_destroy(fd, &b);
        return;
    }
    if (drmPrimeHandleToFD(fd, b.handle, DRM_CLOEXEC | DRM_RDWR, &b.dmabuf)) {
        printf("PRIME-EXPORT dumb refused: %s\n", strerror(errno));
        b.dmabuf = -1;
    } else if (drmPrimeFDToHandle(fd, b.dmabuf, &handle)) {
        printf("PRIME-EXPORT dumb ok\nPRIME-IMPORT self refused: %s\n",
               strerror(errno));
    } else {
        printf("PRIME-EXPORT dumb ok\nPRIME-IMPORT self ok same-handle=%d\n",
               handle == b.handle);
    }
    buffer_destroy(fd, &b);
}

/* Wait for SIGTERM/SIGINT, or for the lessor to hang up */
static void hold(int sock)
{
    struct pollfd pfd = { .fd = sock, .events = POLLIN };
    sigset_t block, orig;
    char c;

    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &orig);
    while (!stop) {
        int r = ppoll(sock >= 0 ? &pfd : NULL, sock >= 0, NULL, &orig);

        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "kms-pattern: ppoll: %s\n", strerror(errno));
            break;
        }
        if (r > 0 && recv(sock, &c, 1, MSG_DONTWAIT) <= 0) {
            fprintf(stderr, "kms-pattern: the lessor closed the "
                    "connection\n");
            break;
        }
    }
    sigprocmask(SIG_SETMASK, &orig, NULL);
}

int main(int argc, char **argv)
{
    struct options o = { 0 };
    struct lease_info li = { .sock = -1 };
    struct buffer b = { .memfd = -1, .dmabuf = -1 };
    struct sigaction sa = { .sa_handler = on_signal };
    drmModeConnector *conn = NULL;
    const drmModeModeInfo *mode;
    uint32_t crtc;
    int fd, ret = 1, made;
    unsigned w, h;

    parse_options(argc, argv, &o);
    setvbuf(stdout, NULL, _IOLBF, 0);
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL)) {
        perror("kms-pattern: sigaction");
        return 1;
    }

    if (o.lease) {
        fd = lease_open(o.lease, o.connector, &li);
    } else {
        fd = open(o.device, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            fprintf(stderr, "kms-pattern: cannot open %s: %s\n", o.device,
                    strerror(errno));
            return 1;
        }
        /* Root may take master if no one holds it; else say who to stop */
        if (drmSetMaster(fd) && !o.prime_test) {
            fprintf(stderr, "kms-pattern: cannot become DRM master of %s "
                    "(%s): another client holds it\n", o.device,
                    strerror(errno));
            goto out;
        }
    }
    if (o.prime_test) {
        prime_probe(fd);
    }
    if (!o.connector) {
        /* --prime-test alone: only the import */
        ret = udmabuf_create(fd, 1024, 768, &b);
        goto out;
    }

    conn = find_connector(fd, o.connector);
    if (!conn) {
        goto out;
    }
    if (o.lease && conn->connector_id != li.connector) {
        fprintf(stderr, "kms-pattern: the lessor leased connector %" PRIu32
                ", not %s (%" PRIu32 ")\n", li.connector, o.connector,
                conn->connector_id);
        goto out;
    }
    mode = pick_mode(conn, &o);
    crtc = o.lease ? li.crtc : pick_crtc(fd, conn);
    if (!mode || !crtc) {
        goto out;
    }
    w = mode->hdisplay;
    h = mode->vdisplay;

    made = o.prime_test ? udmabuf_create(fd, w, h, &b)
                        : dumb_create(fd, w, h, &b);
    if (made) {
        ret = made == 3 ? 3 : 1;
        goto out;
    }
    draw(&b, o.pattern, w, h);
    if (add_fb(fd, w, h, &b)) {
        goto out;
    }
    if (drmModeSetCrtc(fd, crtc, b.fb_id, 0, 0, &conn->connector_id, 1,
                       (drmModeModeInfo *)mode)) {
        fprintf(stderr, "kms-pattern: cannot set %s on %s (CRTC %" PRIu32
                "): %s\n", mode->name, o.connector, crtc, strerror(errno));
        goto out;
    }
    printf("PATTERN-READY %s %ux%u %u %s\n", o.connector, w, h, o.pattern,
           b.kind);
    ret = 0;
    if (o.hold) {
        /* Let other test clients set their outputs meanwhile */
        if (!o.lease && drmDropMaster(fd)) {
            fprintf(stderr, "kms-pattern: drmDropMaster: %s\n",
                    strerror(errno));
        }
        hold(li.sock);
        if (!o.lease) {
            drmSetMaster(fd);   /* best effort: RmFB below turns it off */
        }
    }

out:
    buffer_destroy(fd, &b);
    if (conn) {
        drmModeFreeConnector(conn);
    }
    close(fd);
    if (li.sock >= 0) {
        close(li.sock);
    }
    return ret;
}
