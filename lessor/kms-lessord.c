/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kms-lessord: holds DRM master and leases one connector per client.
 *
 * main(), options, the listening socket and the single-threaded poll()
 * loop.  Its neighbours: lessor-proto.c parses requests and formats
 * replies, lessor-policy.c says who may lease what, lessor-kms.c picks
 * the CRTC and planes, lessor-drm.c (or lessor-fake.c in the test build)
 * talks to the device.  docs/LESSOR.md specifies the protocol; the manual
 * is kms-lessord.8.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "lessor-device.h"
#include "lessor-kms.h"
#include "lessor-policy.h"
#include "lessor-proto.h"

#define LESSORD_VERSION "1.0"
#define DEFAULT_SOCKET "/run/kms-lessord/card0.sock"

#define MAX_CLIENTS 64
#define REQUEST_TIMEOUT_MS 5000     /* to send a request, and to read a reply */
#define ACCEPT_BACKOFF_MS 1000      /* after accept() ran out of fds */
#define ACCEPT_BURST 16             /* accepts per loop turn */
#define LISTEN_BACKLOG 16
#define MAX_STUCK 64                /* lessees whose revocation failed */
#define MAX_GROUPS 65536

#define EXIT_USAGE 2

typedef enum ClientState {
    CLIENT_FREE,
    CLIENT_READING,     /* waiting for the request line */
    CLIENT_REPLYING,    /* sending a final reply, then close */
    CLIENT_LEASED,      /* holds a lease until the connection ends */
} ClientState;

typedef struct Client {
    ClientState state;
    int fd;
    unsigned serial;                /* names the client in the log */
    struct ucred cred;
    int64_t deadline;               /* READING, REPLYING: ms, monotonic */
    char in[LESSOR_LINE_MAX + 1];   /* one byte more than a request */
    size_t in_len;
    char *out;                      /* reply bytes not sent yet */
    size_t out_len;
    size_t out_off;
    uint32_t lessee_id;             /* LEASED */
    int lease_fd;                   /* LEASED: our copy, see handle_lease */
    uint32_t objects[LESSOR_LEASE_MAX_OBJECTS];
    size_t n_objects;
    char connector[LESSOR_CONNECTOR_NAME_MAX + 1];
} Client;

/* A lessee the kernel would not revoke: its objects stay out of use */
typedef struct Stuck {
    uint32_t lessee_id;
    int lease_fd;                   /* ours: keeps the lessee ID its own */
    uint32_t objects[LESSOR_LEASE_MAX_OBJECTS];
    size_t n_objects;
} Stuck;

typedef struct Options {
    const char *device;             /* NULL: first usable card */
    const char *socket_path;
    const char *policy_path;
    const char *group;
    bool allow_all;
    bool verbose;
} Options;

typedef struct Lessord {
    Options opt;
    LessorDevice *dev;
    bool dev_gone;
    LessorPolicy policy;
    int listen_fd;
    int signal_fd;
    dev_t sock_dev;                 /* to unlink only our own socket */
    ino_t sock_ino;
    Client clients[MAX_CLIENTS];
    Stuck stuck[MAX_STUCK];
    size_t n_stuck;
    unsigned next_serial;
    int64_t accept_resume;          /* 0: accepting */
    bool accept_error_logged;
    bool quit;
} Lessord;

static bool log_verbose;
static bool log_journal;

static void lessord_log(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void lessord_log(int prio, const char *fmt, ...)
{
    static const char *const level[] = {
        [LOG_ERR] = "error: ", [LOG_WARNING] = "warning: ",
        [LOG_NOTICE] = "", [LOG_INFO] = "", [LOG_DEBUG] = "debug: ",
    };
    char msg[1024];
    va_list ap;

    if (prio == LOG_DEBUG && !log_verbose) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (log_journal) {
        /* journald reads the priority from the "<N>" prefix */
        fprintf(stderr, "<%d>%s\n", prio, msg);
    } else {
        fprintf(stderr, "kms-lessord: %s%s\n", level[prio], msg);
    }
}

/* Whether stderr is the journal stream systemd gave us */
static bool stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
        fstat(STDERR_FILENO, &st) != 0) {
        return false;
    }
    return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Policy ---- */

/* Name rules for names the system does not know can never match: say so */
static void policy_check_names(const LessorPolicy *policy, const char *path)
{
    size_t i;

    for (i = 0; i < policy->n_rules; i++) {
        const LessorRule *r = &policy->rules[i];

        if (r->who == LESSOR_WHO_USER && !getpwnam(r->name)) {
            lessord_log(LOG_WARNING, "%s:%u: no user '%s' on this system",
                        path, r->line, r->name);
        } else if (r->who == LESSOR_WHO_GROUP && !getgrnam(r->name)) {
            lessord_log(LOG_WARNING, "%s:%u: no group '%s' on this system",
                        path, r->line, r->name);
        }
    }
}

static bool policy_load(const char *path, LessorPolicy *policy, char *err,
                        size_t err_size)
{
    size_t cap = LESSOR_POLICY_MAX_BYTES + 1, len = 0;
    struct stat st;
    char *text;
    bool ok;
    int fd;

    /* O_NONBLOCK: a FIFO in its place must not hang us */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, err_size, "cannot read policy %s: %s", path,
                 strerror(errno));
        return false;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, err_size, "policy %s is not a regular file", path);
        close(fd);
        return false;
    }
    if (st.st_mode & S_IWOTH) {
        lessord_log(LOG_WARNING, "policy %s is writable by everyone: "
                    "anyone can grant themselves leases; chmod o-w it", path);
    }
    text = malloc(cap);
    if (!text) {
        snprintf(err, err_size, "out of memory reading %s", path);
        close(fd);
        return false;
    }
    /* Read one byte past the limit so the parser can say "too large" */
    while (len < cap) {
        ssize_t n = read(fd, text + len, cap - len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            snprintf(err, err_size, "cannot read policy %s: %s", path,
                     strerror(errno));
            free(text);
            close(fd);
            return false;
        }
        if (n == 0) {
            break;
        }
        len += n;
    }
    close(fd);
    ok = lessor_policy_parse(text, len, path, policy, err, err_size);
    free(text);
    if (ok) {
        policy_check_names(policy, path);
    }
    return ok;
}

static void policy_reload(Lessord *d)
{
    LessorPolicy fresh;
    char err[512];

    if (d->opt.allow_all) {
        lessord_log(LOG_NOTICE, "SIGHUP: running with --allow-all, "
                    "no policy file to reload");
        return;
    }
    if (!policy_load(d->opt.policy_path, &fresh, err, sizeof(err))) {
        lessord_log(LOG_ERR, "SIGHUP: %s; keeping the previous policy", err);
        return;
    }
    lessor_policy_clear(&d->policy);
    d->policy = fresh;
    lessord_log(LOG_NOTICE, "reloaded policy %s: %zu rules; existing "
                "leases are kept", d->opt.policy_path, d->policy.n_rules);
}

/* ---- Peer identity, from SO_PEERCRED and NSS ---- */

typedef struct PeerInfo {
    LessorPeer peer;
    char *user;
    gid_t *gids;
    char **names;
} PeerInfo;

static void peer_resolve(const struct ucred *cred, PeerInfo *pi)
{
    struct passwd *pw;
    int n = 1;
    int i;

    memset(pi, 0, sizeof(*pi));
    pw = getpwuid(cred->uid);
    if (pw) {
        pi->user = strdup(pw->pw_name);
    }
    if (pi->user) {
        n = 32;
        pi->gids = malloc(n * sizeof(*pi->gids));
        if (pi->gids && getgrouplist(pi->user, cred->gid, pi->gids, &n) < 0) {
            /* Too small: @n now holds the size it needs */
            gid_t *bigger = n > 0 && n <= MAX_GROUPS ?
                            realloc(pi->gids, n * sizeof(*pi->gids)) : NULL;

            if (!bigger || getgrouplist(pi->user, cred->gid, bigger, &n) < 0) {
                free(bigger ? bigger : pi->gids);
                pi->gids = NULL;
            } else {
                pi->gids = bigger;
            }
        }
    }
    if (!pi->gids) {
        /* Unknown user, or no memory: the primary group alone */
        n = 1;
        pi->gids = malloc(sizeof(*pi->gids));
        if (!pi->gids) {
            n = 0;
        } else {
            pi->gids[0] = cred->gid;
        }
    }
    pi->names = calloc(n ? n : 1, sizeof(*pi->names));
    if (!pi->names) {
        n = 0;
    }
    for (i = 0; i < n; i++) {
        struct group *gr = getgrgid(pi->gids[i]);

        pi->names[i] = gr ? strdup(gr->gr_name) : NULL;
    }
    pi->peer.uid = cred->uid;
    pi->peer.user = pi->user;
    pi->peer.gids = pi->gids;
    pi->peer.group_names = (const char *const *)pi->names;
    pi->peer.n_groups = n;
}

static void peer_free(PeerInfo *pi)
{
    size_t i;

    for (i = 0; pi->names && i < pi->peer.n_groups; i++) {
        free(pi->names[i]);
    }
    free(pi->names);
    free(pi->gids);
    free(pi->user);
}

/* ---- Clients ---- */

static void device_gone(Lessord *d)
{
    if (!d->dev_gone) {
        d->dev_gone = true;
        lessord_log(LOG_ERR, "%s is gone: every request fails until "
                    "kms-lessord is restarted", lessor_device_path(d->dev));
    }
}

/* Revoke @c's lease, if it has one, and free its objects */
static void client_revoke(Lessord *d, Client *c, const char *why)
{
    int ret;

    if (!c->lessee_id) {
        return;
    }
    ret = d->dev_gone ? -ENODEV :
          lessor_device_revoke_lease(d->dev, c->lessee_id);
    if (ret == 0 || ret == -ENOENT) {
        /* -ENOENT: every fd of the lessee closed, the kernel freed it */
        lessord_log(LOG_NOTICE, "client %u: revoked lessee %u (%s): %s",
                    c->serial, c->lessee_id, c->connector, why);
    } else if (ret == -ENODEV) {
        device_gone(d);
    } else if (d->n_stuck < MAX_STUCK) {
        Stuck *s = &d->stuck[d->n_stuck++];

        lessord_log(LOG_ERR, "client %u: cannot revoke lessee %u (%s): %s; "
                    "its objects stay reserved", c->serial, c->lessee_id,
                    c->connector, strerror(-ret));
        s->lessee_id = c->lessee_id;
        s->lease_fd = c->lease_fd;
        c->lease_fd = -1;
        memcpy(s->objects, c->objects, sizeof(s->objects));
        s->n_objects = c->n_objects;
    } else {
        lessord_log(LOG_ERR, "client %u: cannot revoke lessee %u (%s): %s",
                    c->serial, c->lessee_id, c->connector, strerror(-ret));
    }
    if (c->lease_fd >= 0) {
        close(c->lease_fd);
    }
    c->lease_fd = -1;
    c->lessee_id = 0;
    c->n_objects = 0;
}

/* Retry revocations that failed before; drop those the kernel accepts */
static void stuck_retry(Lessord *d)
{
    size_t i = 0;

    while (i < d->n_stuck && !d->dev_gone) {
        int ret = lessor_device_revoke_lease(d->dev, d->stuck[i].lessee_id);

        if (ret == 0 || ret == -ENOENT) {
            lessord_log(LOG_NOTICE, "revoked lessee %u at last",
                        d->stuck[i].lessee_id);
            close(d->stuck[i].lease_fd);
            d->stuck[i] = d->stuck[--d->n_stuck];
            continue;
        }
        if (ret == -ENODEV) {
            device_gone(d);
        }
        i++;
    }
}

static void client_close(Lessord *d, Client *c, const char *why)
{
    client_revoke(d, c, why);
    lessord_log(LOG_DEBUG, "client %u: closed: %s", c->serial, why);
    close(c->fd);
    free(c->out);
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->lease_fd = -1;
    c->state = CLIENT_FREE;
}

/* Send what is queued; false if the client was closed */
static bool client_flush(Lessord *d, Client *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;    /* POLLOUT will bring us back */
        }
        if (n < 0) {
            client_close(d, c, strerror(errno));
            return false;
        }
        c->out_off += n;
    }
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = 0;
    if (c->state == CLIENT_REPLYING) {
        client_close(d, c, "reply sent");
        return false;
    }
    return true;
}

static bool client_queue(Lessord *d, Client *c, const char *data, size_t len)
{
    char *out = realloc(c->out, c->out_len + len);

    if (!out) {
        client_close(d, c, "out of memory");
        return false;
    }
    memcpy(out + c->out_len, data, len);
    c->out = out;
    c->out_len += len;
    return true;
}

/* Queue the final reply in @text and send it, then close */
static void client_finish(Lessord *d, Client *c, const char *text, size_t len)
{
    c->state = CLIENT_REPLYING;
    c->deadline = now_ms() + REQUEST_TIMEOUT_MS;
    if (client_queue(d, c, text, len)) {
        client_flush(d, c);
    }
}

static void client_error(Lessord *d, Client *c, LessorErr code,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void client_error(Lessord *d, Client *c, LessorErr code,
                         const char *fmt, ...)
{
    char msg[LESSOR_LINE_MAX + 1];
    char line[LESSOR_LINE_MAX + 1];
    va_list ap;
    int n;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    lessord_log(code == LESSOR_EPROTO ? LOG_DEBUG : LOG_INFO,
                "client %u: %s %s", c->serial, lessor_err_name(code), msg);
    n = lessor_format_err(line, sizeof(line), code, "%s", msg);
    if (n < 0) {
        client_close(d, c, "cannot format reply");
        return;
    }
    client_finish(d, c, line, n);
}

/* Fill @kms with the device state and every object leased or reserved */
static int take_snapshot(Lessord *d, LessorKms *kms)
{
    size_t i;
    int ret;

    memset(kms, 0, sizeof(*kms));
    if (d->dev_gone) {
        return -ENODEV;
    }
    stuck_retry(d);
    ret = lessor_device_snapshot(d->dev, kms);
    if (ret == -ENODEV) {
        device_gone(d);
    }
    if (ret < 0) {
        return ret;
    }
    for (i = 0; i < MAX_CLIENTS; i++) {
        lessor_kms_mark_leased(kms, d->clients[i].objects,
                               d->clients[i].n_objects);
    }
    for (i = 0; i < d->n_stuck; i++) {
        lessor_kms_mark_leased(kms, d->stuck[i].objects,
                               d->stuck[i].n_objects);
    }
    return 0;
}

static const char *policy_name(const Lessord *d)
{
    return d->opt.allow_all ? "--allow-all" : d->opt.policy_path;
}

static void handle_list(Lessord *d, Client *c)
{
    char line[LESSOR_LINE_MAX + 1];
    PeerInfo pi;
    LessorKms kms;
    char *text;
    size_t len = 0, i;
    int ret, n;

    ret = take_snapshot(d, &kms);
    if (ret < 0) {
        client_error(d, c, LESSOR_EIO, "cannot read the connectors of %s: "
                     "%s", lessor_device_path(d->dev), strerror(-ret));
        return;
    }
    text = malloc((kms.n_connectors + 1) * sizeof(line));
    if (!text) {
        lessor_kms_clear(&kms);
        client_close(d, c, "out of memory");
        return;
    }
    peer_resolve(&c->cred, &pi);
    for (i = 0; i < kms.n_connectors; i++) {
        const LessorKmsConnector *kc = &kms.connectors[i];
        bool allowed = lessor_policy_match(&d->policy, &pi.peer, kc->name);

        n = lessor_format_connector(text + len, sizeof(line), kc->name,
                                    kc->status, kc->leased, allowed);
        if (n > 0) {
            len += n;
        }
    }
    n = lessor_format_end(text + len, sizeof(line));
    len += n > 0 ? n : 0;
    peer_free(&pi);
    lessor_kms_clear(&kms);
    lessord_log(LOG_DEBUG, "client %u: LIST", c->serial);
    client_finish(d, c, text, len);
    free(text);
}

static const char *pick_problem(LessorPickResult r)
{
    switch (r) {
    case LESSOR_PICK_CONNECTOR_LEASED:
        return "is leased to another client: wait until it disconnects";
    case LESSOR_PICK_NO_CRTC:
        return "has no encoder that can drive a CRTC";
    case LESSOR_PICK_CRTCS_LEASED:
        return "can only use CRTCs that are leased: wait for one of "
               "those leases to end";
    case LESSOR_PICK_NO_PLANE:
        return "has no free primary plane for its free CRTCs: wait for "
               "a lease to end";
    default:
        return "cannot be leased";
    }
}

/* Send the OK line with the lease fd; false if the client is gone */
static bool send_lease(Lessord *d, Client *c, const LessorLeaseIds *ids,
                       int lease_fd)
{
    char line[LESSOR_LINE_MAX + 1];
    union {
        struct cmsghdr hdr;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = { 0 };
    struct cmsghdr *cmsg;
    struct iovec iov;
    ssize_t sent;
    int len;

    len = lessor_format_ok(line, sizeof(line), ids);
    if (len < 0) {
        return false;
    }
    memset(&control, 0, sizeof(control));
    iov.iov_base = line;
    iov.iov_len = len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof(control.buf);
    cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &lease_fd, sizeof(int));

    do {
        sent = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    if (sent <= 0) {
        /* Nothing of ours is queued yet, so EAGAIN means a broken peer */
        client_close(d, c, sent < 0 ? strerror(errno) : "send failed");
        return false;
    }
    if (sent < len) {
        /* The fd went with the first bytes; the rest follows plainly */
        return client_queue(d, c, line + sent, len - sent) &&
               client_flush(d, c);
    }
    return true;
}

static void handle_lease(Lessord *d, Client *c, const char *name)
{
    const char *path = lessor_device_path(d->dev);
    const LessorRule *rule;
    LessorPickResult pick;
    LessorLeaseIds ids;
    uint32_t objects[LESSOR_LEASE_MAX_OBJECTS];
    size_t n_objects = 0;
    PeerInfo pi;
    LessorKms kms;
    long index;
    int ret, lease_fd;

    ret = take_snapshot(d, &kms);
    if (ret < 0) {
        client_error(d, c, LESSOR_EIO, "cannot read the connectors of %s: "
                     "%s", path, strerror(-ret));
        return;
    }
    index = lessor_kms_find_connector(&kms, name);
    if (index < 0) {
        lessor_kms_clear(&kms);
        client_error(d, c, LESSOR_ENOENT, "no connector %s on %s: send "
                     "'LIST 1' for the names", name, path);
        return;
    }
    peer_resolve(&c->cred, &pi);
    rule = lessor_policy_match(&d->policy, &pi.peer, name);
    if (!rule) {
        lessor_kms_clear(&kms);
        client_error(d, c, LESSOR_EPERM, "policy %s does not let uid %u "
                     "(%s) lease %s: add an 'allow' line for it",
                     policy_name(d), (unsigned)c->cred.uid,
                     pi.user ? pi.user : "no name", name);
        peer_free(&pi);
        return;
    }
    peer_free(&pi);

    pick = lessor_kms_pick(&kms, index, &ids);
    lessor_kms_clear(&kms);
    if (pick != LESSOR_PICK_OK) {
        client_error(d, c, LESSOR_EBUSY, "%s %s", name, pick_problem(pick));
        return;
    }

    objects[n_objects++] = ids.connector_id;
    objects[n_objects++] = ids.crtc_id;
    objects[n_objects++] = ids.plane_id;
    if (ids.cursor_plane_id) {
        objects[n_objects++] = ids.cursor_plane_id;
    }
    lease_fd = lessor_device_create_lease(d->dev, objects, n_objects,
                                          &ids.lessee_id);
    if (lease_fd < 0) {
        if (lease_fd == -ENODEV) {
            device_gone(d);
        }
        client_error(d, c, LESSOR_EIO, "the kernel refused to lease %s "
                     "(connector %u, CRTC %u, plane %u): %s", name,
                     ids.connector_id, ids.crtc_id, ids.plane_id,
                     strerror(-lease_fd));
        return;
    }

    /*
     * Record it first: closing the client must revoke it.  Keep our copy
     * of the lease fd until then: the kernel frees a lessee once its
     * last fd is closed and gives its ID to the next lease, so without
     * it a client that closed its fd (or died an instant before we saw
     * its connection end) would leave us revoking that ID, which could
     * by then be another client's lease.
     */
    c->state = CLIENT_LEASED;
    c->deadline = 0;
    c->lessee_id = ids.lessee_id;
    c->lease_fd = lease_fd;
    memcpy(c->objects, objects, sizeof(objects));
    c->n_objects = n_objects;
    snprintf(c->connector, sizeof(c->connector), "%s", name);
    lessord_log(LOG_NOTICE, "client %u (pid %d uid %u): leased %s as "
                "lessee %u: connector %u CRTC %u plane %u cursor %u; "
                "allowed by %s:%u", c->serial, (int)c->cred.pid,
                (unsigned)c->cred.uid, name, ids.lessee_id, ids.connector_id,
                ids.crtc_id, ids.plane_id, ids.cursor_plane_id,
                policy_name(d), rule->line);
    send_lease(d, c, &ids, lease_fd);
}

static void client_read(Lessord *d, Client *c)
{
    LessorRequest req;
    const char *why;
    ssize_t n;

    n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            client_close(d, c, strerror(errno));
        }
        return;
    }
    if (n == 0) {
        if (c->in_len) {
            /* Half-closed mid-line: it may still read the answer */
            client_error(d, c, LESSOR_EPROTO, "end of input before the end "
                         "of the request: end it with \\n");
        } else {
            client_close(d, c, "closed before sending a request");
        }
        return;
    }
    c->in_len += n;
    switch (lessor_proto_parse(c->in, c->in_len, &req, &why)) {
    case LESSOR_PARSE_MORE:
        return;
    case LESSOR_PARSE_ERROR:
        client_error(d, c, LESSOR_EPROTO, "%s", why);
        return;
    case LESSOR_PARSE_DONE:
        break;
    }
    if (req.verb == LESSOR_VERB_LIST) {
        handle_list(d, c);
    } else {
        handle_lease(d, c, req.connector);
    }
}

/* A leased client's connection woke up: it closed, or broke the protocol */
static void client_leased_input(Lessord *d, Client *c)
{
    char byte;
    ssize_t n;

    n = recv(c->fd, &byte, 1, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
                  errno == EINTR)) {
        return;
    }
    if (n <= 0) {
        client_close(d, c, n == 0 ? "connection closed" : strerror(errno));
        return;
    }
    client_revoke(d, c, "client sent data after the lease");
    client_error(d, c, LESSOR_EPROTO, "data after the lease was granted: "
                 "lease revoked");
}

static void client_event(Lessord *d, Client *c, short revents)
{
    if ((revents & POLLOUT) && c->out_len && !client_flush(d, c)) {
        return;
    }
    if (!(revents & (POLLIN | POLLHUP | POLLERR))) {
        return;
    }
    switch (c->state) {
    case CLIENT_READING:
        client_read(d, c);
        break;
    case CLIENT_LEASED:
        client_leased_input(d, c);
        break;
    case CLIENT_REPLYING:
        /* We asked for POLLOUT only: the peer hung up or failed */
        if (client_flush(d, c)) {
            client_close(d, c, "peer hung up before reading the reply");
        }
        break;
    case CLIENT_FREE:
        break;
    }
}

static void client_timeouts(Lessord *d, int64_t now)
{
    static const char msg[] = "ERR EPROTO request timeout\n";
    size_t i;

    for (i = 0; i < MAX_CLIENTS; i++) {
        Client *c = &d->clients[i];

        if (!c->deadline || c->deadline > now) {
            continue;
        }
        if (c->state == CLIENT_READING) {
            /* Best effort: a client this slow gets one try */
            send(c->fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            client_close(d, c, "request timeout");
        } else if (c->state == CLIENT_REPLYING) {
            client_close(d, c, "reply not read in time");
        }
    }
}

/* ---- The listening socket ---- */

static void accept_clients(Lessord *d)
{
    static const char busy[] = "ERR EAGAIN too many connections (64 open): "
                               "retry later\n";
    int burst;

    for (burst = 0; burst < ACCEPT_BURST; burst++) {
        socklen_t len = sizeof(struct ucred);
        Client *c = NULL;
        size_t i;
        int fd;

        fd = accept4(d->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                /* The backlog is empty: an fd shortage is over */
                if (d->accept_error_logged) {
                    lessord_log(LOG_NOTICE, "accepting connections again");
                    d->accept_error_logged = false;
                }
                return;
            }
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            /* EMFILE and friends: back off instead of spinning, log once */
            if (!d->accept_error_logged) {
                lessord_log(LOG_WARNING, "cannot accept connections: %s; "
                            "retrying every %d ms", strerror(errno),
                            ACCEPT_BACKOFF_MS);
                d->accept_error_logged = true;
            }
            d->accept_resume = now_ms() + ACCEPT_BACKOFF_MS;
            return;
        }
        for (i = 0; i < MAX_CLIENTS && !c; i++) {
            if (d->clients[i].state == CLIENT_FREE) {
                c = &d->clients[i];
            }
        }
        if (!c) {
            send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            close(fd);
            lessord_log(LOG_DEBUG, "refused a connection: %d open",
                        MAX_CLIENTS);
            continue;
        }
        memset(c, 0, sizeof(*c));
        c->lease_fd = -1;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) != 0) {
            lessord_log(LOG_WARNING, "SO_PEERCRED: %s", strerror(errno));
            close(fd);
            c->fd = -1;
            continue;
        }
        c->fd = fd;
        c->state = CLIENT_READING;
        c->serial = ++d->next_serial;
        c->deadline = now_ms() + REQUEST_TIMEOUT_MS;
        lessord_log(LOG_DEBUG, "client %u: connected, pid %d uid %u gid %u",
                    c->serial, (int)c->cred.pid, (unsigned)c->cred.uid,
                    (unsigned)c->cred.gid);
    }
}

static bool socket_create(Lessord *d, char *err, size_t err_size)
{
    const char *path = d->opt.socket_path;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    gid_t gid = (gid_t)-1;
    struct stat st;
    mode_t old_mask;
    int fd, ret;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        snprintf(err, err_size, "--socket %s: longer than %zu bytes", path,
                 sizeof(addr.sun_path) - 1);
        return false;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    if (d->opt.group) {
        struct group *gr = getgrnam(d->opt.group);

        if (!gr) {
            snprintf(err, err_size, "--group %s: no such group",
                     d->opt.group);
            return false;
        }
        gid = gr->gr_gid;
    }

    /* A socket left by a crash is stale only if nobody listens on it */
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, err_size, "--socket %s: exists and is not a "
                     "socket; remove it or choose another path", path);
            return false;
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            snprintf(err, err_size, "socket: %s", strerror(errno));
            return false;
        }
        ret = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
        if (ret == 0 || errno == EAGAIN) {
            close(fd);
            snprintf(err, err_size, "--socket %s: another kms-lessord is "
                     "listening there; stop it or choose another path",
                     path);
            return false;
        }
        if (errno != ECONNREFUSED) {
            snprintf(err, err_size, "--socket %s: cannot check whether it "
                     "is in use: %s", path, strerror(errno));
            close(fd);
            return false;
        }
        close(fd);
        if (unlink(path) != 0 && errno != ENOENT) {
            snprintf(err, err_size, "--socket %s: cannot remove the stale "
                     "socket: %s", path, strerror(errno));
            return false;
        }
        lessord_log(LOG_NOTICE, "removed stale socket %s", path);
    }

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_size, "socket: %s", strerror(errno));
        return false;
    }
    /* Never exist with wider permissions than 0660, even briefly */
    old_mask = umask(0117);
    ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
    umask(old_mask);
    if (ret != 0) {
        snprintf(err, err_size, "--socket %s: cannot create it: %s%s", path,
                 strerror(errno), errno == ENOENT ?
                 " (does its directory exist?)" : "");
        close(fd);
        return false;
    }
    if ((gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) != 0) ||
        chmod(path, 0660) != 0 || stat(path, &st) != 0 ||
        listen(fd, LISTEN_BACKLOG) != 0) {
        snprintf(err, err_size, "--socket %s: %s%s", path, strerror(errno),
                 d->opt.group ? " (is kms-lessord in that --group?)" : "");
        unlink(path);
        close(fd);
        return false;
    }
    d->sock_dev = st.st_dev;
    d->sock_ino = st.st_ino;
    d->listen_fd = fd;
    return true;
}

static void socket_remove(Lessord *d)
{
    struct stat st;

    /* Someone may have replaced it since: only remove ours */
    if (stat(d->opt.socket_path, &st) == 0 && st.st_dev == d->sock_dev &&
        st.st_ino == d->sock_ino) {
        unlink(d->opt.socket_path);
    }
    close(d->listen_fd);
    d->listen_fd = -1;
}

/* ---- Signals and the loop ---- */

static bool signals_setup(Lessord *d)
{
    sigset_t set;

    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) {
        return false;
    }
    d->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return d->signal_fd >= 0;
}

static void handle_signals(Lessord *d)
{
    struct signalfd_siginfo si;

    while (read(d->signal_fd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGHUP) {
            policy_reload(d);
        } else {
            lessord_log(LOG_NOTICE, "%s: revoking every lease and exiting",
                        strsignal(si.ssi_signo));
            d->quit = true;
        }
    }
}

static int poll_timeout(const Lessord *d, int64_t now)
{
    int64_t first = 0;
    size_t i;

    for (i = 0; i < MAX_CLIENTS; i++) {
        int64_t t = d->clients[i].deadline;

        if (t && (!first || t < first)) {
            first = t;
        }
    }
    if (d->accept_resume && (!first || d->accept_resume < first)) {
        first = d->accept_resume;
    }
    if (!first) {
        return -1;
    }
    return first <= now ? 0 : (int)(first - now);
}

static void serve(Lessord *d)
{
    struct pollfd pfd[2 + MAX_CLIENTS];
    size_t slot[2 + MAX_CLIENTS];

    while (!d->quit) {
        int64_t now = now_ms();
        size_t nfds = 2, i;
        int n;

        if (d->accept_resume && d->accept_resume <= now) {
            d->accept_resume = 0;
        }
        pfd[0] = (struct pollfd) { .fd = d->signal_fd, .events = POLLIN };
        pfd[1] = (struct pollfd) {
            .fd = d->accept_resume ? -1 : d->listen_fd, .events = POLLIN,
        };
        for (i = 0; i < MAX_CLIENTS; i++) {
            const Client *c = &d->clients[i];
            short events = 0;

            if (c->state == CLIENT_FREE) {
                continue;
            }
            if (c->state != CLIENT_REPLYING) {
                events |= POLLIN;
            }
            if (c->out_len) {
                events |= POLLOUT;
            }
            pfd[nfds] = (struct pollfd) { .fd = c->fd, .events = events };
            slot[nfds++] = i;
        }

        n = poll(pfd, nfds, poll_timeout(d, now));
        if (n < 0) {
            if (errno != EINTR) {
                lessord_log(LOG_ERR, "poll: %s", strerror(errno));
                usleep(100 * 1000);
            }
            continue;
        }
        if (pfd[0].revents) {
            handle_signals(d);
        }
        for (i = 2; i < nfds; i++) {
            if (pfd[i].revents) {
                client_event(d, &d->clients[slot[i]], pfd[i].revents);
            }
        }
        /* After the clients, so a new one never sees an old slot's events */
        if (pfd[1].revents) {
            accept_clients(d);
        }
        client_timeouts(d, now_ms());
    }
}

static void shutdown_all(Lessord *d)
{
    size_t i, leases = 0;

    for (i = 0; i < MAX_CLIENTS; i++) {
        Client *c = &d->clients[i];

        if (c->state != CLIENT_FREE) {
            leases += c->lessee_id != 0;
            client_close(d, c, "kms-lessord is stopping");
        }
    }
    stuck_retry(d);
    for (i = 0; i < d->n_stuck; i++) {
        close(d->stuck[i].lease_fd);
    }
    lessord_log(LOG_NOTICE, "stopped: revoked %zu leases", leases);
    socket_remove(d);
    close(d->signal_fd);
    lessor_device_close(d->dev);
    lessor_policy_clear(&d->policy);
}

/* ---- Options ---- */

enum {
    OPT_ALLOW_ALL = 256,
    OPT_GROUP,
    OPT_VERSION,
};

static void usage(FILE *f)
{
    fprintf(f,
"Usage: kms-lessord [OPTION]...\n"
"Hold DRM master on a card and lease one connector, CRTC and plane per\n"
"client over a unix socket (protocol %d, see kms-lessord(8)).\n"
"\n"
"  -d, --device PATH   DRM card (default: the first /dev/dri/card* that\n"
"                      makes us master and has connectors)\n"
"  -s, --socket PATH   listening socket (default " DEFAULT_SOCKET ")\n"
"  -p, --policy FILE   who may lease which connector (required)\n"
"      --allow-all     no policy: anyone who can open the socket may lease\n"
"      --group NAME    group owning the socket (mode 0660)\n"
"  -v, --verbose       log every connection and protocol error\n"
"  -h, --help          show this help and exit\n"
"      --version       show the version and exit\n",
            LESSOR_PROTO_VERSION);
}

static int parse_options(int argc, char **argv, Options *opt)
{
    static const struct option longopts[] = {
        { "device", required_argument, NULL, 'd' },
        { "socket", required_argument, NULL, 's' },
        { "policy", required_argument, NULL, 'p' },
        { "allow-all", no_argument, NULL, OPT_ALLOW_ALL },
        { "group", required_argument, NULL, OPT_GROUP },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 },
    };
    int c;

    opt->socket_path = DEFAULT_SOCKET;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:s:p:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            opt->device = optarg;
            break;
        case 's':
            opt->socket_path = optarg;
            break;
        case 'p':
            opt->policy_path = optarg;
            break;
        case OPT_ALLOW_ALL:
            opt->allow_all = true;
            break;
        case OPT_GROUP:
            opt->group = optarg;
            break;
        case 'v':
            opt->verbose = true;
            break;
        case 'h':
            usage(stdout);
            exit(EXIT_SUCCESS);
        case OPT_VERSION:
            printf("kms-lessord %s (protocol %d)\n", LESSORD_VERSION,
                   LESSOR_PROTO_VERSION);
            exit(EXIT_SUCCESS);
        case ':':
            fprintf(stderr, "kms-lessord: option '%s' needs an argument\n",
                    argv[optind - 1]);
            return -1;
        default:
            if (optopt && optopt < 256) {
                fprintf(stderr, "kms-lessord: unknown option '-%c'; see "
                        "--help\n", optopt);
            } else {
                fprintf(stderr, "kms-lessord: unknown option '%s'; see "
                        "--help\n", argv[optind - 1]);
            }
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kms-lessord: unexpected argument '%s'; options "
                "only, see --help\n", argv[optind]);
        return -1;
    }
    if ((opt->device && !*opt->device) || !*opt->socket_path ||
        (opt->policy_path && !*opt->policy_path) ||
        (opt->group && !*opt->group)) {
        fprintf(stderr, "kms-lessord: an option has an empty argument "
                "(--device, --socket, --policy or --group)\n");
        return -1;
    }
    if (opt->allow_all && opt->policy_path) {
        fprintf(stderr, "kms-lessord: --policy and --allow-all exclude "
                "each other\n");
        return -1;
    }
    if (!opt->allow_all && !opt->policy_path) {
        fprintf(stderr, "kms-lessord: no policy: give --policy FILE, or "
                "--allow-all to let anyone who can open the socket lease "
                "any connector\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static Lessord d;
    char err[1024];
    size_t i;

    d.listen_fd = -1;
    d.signal_fd = -1;
    for (i = 0; i < MAX_CLIENTS; i++) {
        d.clients[i].fd = -1;
        d.clients[i].lease_fd = -1;
    }
    if (parse_options(argc, argv, &d.opt) < 0) {
        return EXIT_USAGE;
    }
    log_verbose = d.opt.verbose;
    log_journal = stderr_is_journal();

    if (d.opt.allow_all) {
        if (!lessor_policy_allow_all(&d.policy)) {
            lessord_log(LOG_ERR, "out of memory");
            return EXIT_FAILURE;
        }
        lessord_log(LOG_WARNING, "--allow-all: anyone who can open the "
                    "socket may lease any connector");
    } else if (!policy_load(d.opt.policy_path, &d.policy, err,
                            sizeof(err))) {
        lessord_log(LOG_ERR, "%s", err);
        return EXIT_FAILURE;
    }
    if (!signals_setup(&d)) {
        lessord_log(LOG_ERR, "cannot set up signals: %s", strerror(errno));
        return EXIT_FAILURE;
    }
    d.dev = lessor_device_open(d.opt.device, err, sizeof(err));
    if (!d.dev) {
        lessord_log(LOG_ERR, "%s", err);
        lessor_policy_clear(&d.policy);
        return EXIT_FAILURE;
    }
    if (!socket_create(&d, err, sizeof(err))) {
        lessord_log(LOG_ERR, "%s", err);
        lessor_device_close(d.dev);
        lessor_policy_clear(&d.policy);
        return EXIT_FAILURE;
    }
    lessord_log(LOG_NOTICE, "leasing connectors of %s on %s (policy %s, "
                "%zu rules)", lessor_device_path(d.dev), d.opt.socket_path,
                policy_name(&d), d.policy.n_rules);

    serve(&d);
    shutdown_all(&d);
    return EXIT_SUCCESS;
}
