/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-lessord: kms-lessord's socket, loop and options, end to end, TAP.
 *
 * Runs kms-lessord-fake (the real daemon linked with lessor-fake.c's
 * in-memory device) and talks protocol 1 to it as clients would: leases
 * and their fds (and the daemon's copies), revocation on close, hostile
 * requests, the 5 s timeout, the 64-connection limit, SIGHUP, SIGTERM, a
 * vanished device and the start-up errors.  The real DRM path is tested
 * in a nested Linux with a virtio-gpu KMS device (docs/LESSOR.md).
 *
 * Usage: test-lessord BUILD_DIR.  $TEST_LESSORD_WRAPPER (for example
 * "valgrind --leak-check=full --error-exitcode=99") runs the daemon
 * under a tool.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "lessor-proto.h"
#include "test-tap.h"

#define REPLY_TIMEOUT_MS 10000
#define START_TIMEOUT_MS 30000      /* generous: valgrind is slow */
#define MAX_ARGS 32

typedef struct Reply {
    char text[8192];
    size_t len;
    int fds[4];
    int n_fds;
    bool eof;
    bool timeout;
} Reply;

static char build_dir[PATH_MAX];
static char tmp_dir[PATH_MAX];
static char sock_path[PATH_MAX];
static char policy_path[PATH_MAX];
static char log_path[PATH_MAX];
static char gone_path[PATH_MAX];
static pid_t daemon_pid = -1;
static int daemon_nofile;          /* RLIMIT_NOFILE for the daemon, 0: as is */

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "test-lessord: cannot write %s\n", path);
        exit(2);
    }
}

/* The whole of a small file, NUL-terminated, in a static buffer */
static const char *read_file(const char *path)
{
    static char buf[65536];
    size_t n = 0;
    FILE *f = fopen(path, "r");

    buf[0] = '\0';
    if (f) {
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    return buf;
}

static bool log_has(const char *text)
{
    return strstr(read_file(log_path), text) != NULL;
}

/* snprintf "DIR/NAME" into @buf; paths here are short, so overflow is fatal */
static void make_path(char *buf, size_t size, const char *dir,
                      const char *name)
{
    if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size) {
        fprintf(stderr, "test-lessord: path too long: %s/%s\n", dir, name);
        exit(2);
    }
}

static void set_sun_path(struct sockaddr_un *addr, const char *path)
{
    if ((size_t)snprintf(addr->sun_path, sizeof(addr->sun_path), "%s",
                         path) >= sizeof(addr->sun_path)) {
        fprintf(stderr, "test-lessord: socket path too long: %s\n", path);
        exit(2);
    }
}

/* ---- Clients ---- */

static int conn_open(void)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    set_sun_path(&addr, sock_path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

static void send_bytes(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        if (n <= 0) {
            return;     /* the daemon may hang up on garbage: fine */
        }
        data += n;
        len -= n;
    }
}

/* Read into @r until EOF, or the first "\n" if @line_only, or timeout */
static void read_reply(int fd, Reply *r, bool line_only, int timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;

    memset(r, 0, sizeof(*r));
    while (r->len < sizeof(r->text) - 1) {
        union {
            struct cmsghdr hdr;
            char buf[CMSG_SPACE(4 * sizeof(int))];
        } control;
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        struct iovec iov = {
            r->text + r->len, line_only ? 1 : sizeof(r->text) - 1 - r->len,
        };
        struct msghdr msg = {
            .msg_iov = &iov, .msg_iovlen = 1,
            .msg_control = control.buf, .msg_controllen = sizeof(control.buf),
        };
        struct cmsghdr *c;
        int64_t left = end - now_ms();
        ssize_t n;

        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
            r->timeout = true;
            break;
        }
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        if (n <= 0) {
            r->eof = true;      /* ECONNRESET counts as the end too */
            break;
        }
        for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int k, nfd = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

                for (k = 0; k < nfd && r->n_fds < 4; k++) {
                    memcpy(&r->fds[r->n_fds++],
                           CMSG_DATA(c) + k * sizeof(int), sizeof(int));
                }
            }
        }
        r->len += n;
        r->text[r->len] = '\0';
        if (line_only && r->text[r->len - 1] == '\n') {
            break;
        }
    }
}

static void reply_close_fds(Reply *r)
{
    int i;

    for (i = 0; i < r->n_fds; i++) {
        close(r->fds[i]);
    }
    r->n_fds = 0;
}

/* One request on a new connection, reply read to EOF */
static void transact(const char *req, size_t len, Reply *r)
{
    int fd = conn_open();

    memset(r, 0, sizeof(*r));
    if (fd < 0) {
        snprintf(r->text, sizeof(r->text), "(connect: %s)", strerror(errno));
        return;
    }
    send_bytes(fd, req, len);
    read_reply(fd, r, false, REPLY_TIMEOUT_MS);
    close(fd);
}

static bool expect_reply(const char *name, const char *req, size_t len,
                         const char *want, bool prefix)
{
    Reply r;
    bool ok;

    transact(req, len, &r);
    ok = r.eof && r.n_fds == 0 &&
         (prefix ? strncmp(r.text, want, strlen(want)) == 0 &&
                   r.len && r.text[r.len - 1] == '\n' &&
                   !memchr(r.text, '\n', r.len - 1)
                 : strcmp(r.text, want) == 0);
    if (!check(ok, "%s", name)) {
        diag("got %s%s'%s'\nwant %s'%s'", r.eof ? "" : "no EOF, ",
             r.n_fds ? "fds, " : "", r.text, prefix ? "prefix " : "", want);
    }
    reply_close_fds(&r);
    return ok;
}

#define EXPECT(name, req, want) \
    expect_reply(name, req, sizeof(req) - 1, want, false)
#define EXPECT_PREFIX(name, req, want) \
    expect_reply(name, req, sizeof(req) - 1, want, true)

/* The fd of a lease is the fake's memfd named after the lessee */
static bool fd_is_lease(int fd, unsigned lessee)
{
    char link[64], target[256], want[64];
    ssize_t n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, target, sizeof(target) - 1);
    if (n < 0) {
        return false;
    }
    target[n] = '\0';
    snprintf(want, sizeof(want), "/memfd:fake-lease-%u ", lessee);
    return strstr(target, want) != NULL &&
           (fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/*
 * Whether the daemon has lessee @lessee's fd open: it must from the lease
 * until it revoked it, or the kernel could give the ID to another lease
 */
static bool daemon_holds_lease(unsigned lessee)
{
    char dir_path[64], link[PATH_MAX], target[256], want[64];
    struct dirent *e;
    bool found = false;
    DIR *dir;
    ssize_t n;

    snprintf(dir_path, sizeof(dir_path), "/proc/%d/fd", (int)daemon_pid);
    dir = opendir(dir_path);
    if (!dir) {
        diag("cannot list %s: %s", dir_path, strerror(errno));
        return false;
    }
    snprintf(want, sizeof(want), "/memfd:fake-lease-%u ", lessee);
    while (!found && (e = readdir(dir))) {
        snprintf(link, sizeof(link), "%s/%s", dir_path, e->d_name);
        n = readlink(link, target, sizeof(target) - 1);
        if (n > 0) {
            target[n] = '\0';
            found = strstr(target, want) != NULL;
        }
    }
    closedir(dir);
    return found;
}

/*
 * LEASE @connector in @segments pieces; on the expected OK line return the
 * open connection (the lease lives while it does) and check the fd.
 */
static int lease(const char *name, const char *connector, const char *want,
                 unsigned lessee, int segments)
{
    char req[128];
    size_t len, i, step;
    Reply r;
    int fd;
    bool ok;

    len = snprintf(req, sizeof(req), "LEASE 1 %s\n", connector);
    fd = conn_open();
    if (fd < 0) {
        check(false, "%s: connect: %s", name, strerror(errno));
        return -1;
    }
    step = (len + segments - 1) / segments;
    for (i = 0; i < len; i += step) {
        send_bytes(fd, req + i, i + step > len ? len - i : step);
        if (segments > 1) {
            sleep_ms(50);
        }
    }
    read_reply(fd, &r, true, REPLY_TIMEOUT_MS);
    ok = strcmp(r.text, want) == 0 && r.n_fds == 1 && !r.eof &&
         fd_is_lease(r.fds[0], lessee);
    if (!check(ok, "%s", name)) {
        diag("got '%s' with %d fds%s; want '%s' and lessee %u's fd",
             r.text, r.n_fds, r.eof ? ", then EOF" : "", want, lessee);
        reply_close_fds(&r);
        close(fd);
        return -1;
    }
    /* A real client would use the fd; closing it must not end the lease */
    reply_close_fds(&r);
    return fd;
}

/* LIST until @line appears (revocation happens after our close), 2 s */
static bool list_shows(const char *line)
{
    int64_t end = now_ms() + 2000;
    Reply r;

    do {
        transact("LIST 1\n", 7, &r);
        reply_close_fds(&r);
        if (strstr(r.text, line)) {
            return true;
        }
        sleep_ms(20);
    } while (now_ms() < end);
    diag("LIST said:\n%s", r.text);
    return false;
}

/* ---- Processes ---- */

/* argv for the daemon: $TEST_LESSORD_WRAPPER words, then @args */
static void build_argv(const char **argv, char *wrapper_copy, const char *prog,
                       const char *const *args)
{
    const char *wrapper = getenv("TEST_LESSORD_WRAPPER");
    static char path[PATH_MAX];
    int n = 0;
    char *p, *w;

    if (wrapper && *wrapper) {
        if ((size_t)snprintf(wrapper_copy, 1024, "%s", wrapper) >= 1024) {
            fprintf(stderr, "test-lessord: TEST_LESSORD_WRAPPER too long\n");
            exit(2);
        }
        for (w = strtok_r(wrapper_copy, " ", &p); w && n < MAX_ARGS / 2;
             w = strtok_r(NULL, " ", &p)) {
            argv[n++] = w;
        }
    }
    make_path(path, sizeof(path), build_dir, prog);
    argv[n++] = path;
    while (*args && n < MAX_ARGS - 1) {
        argv[n++] = *args++;
    }
    argv[n] = NULL;
}

static pid_t spawn(const char *prog, const char *const *args,
                   const char *err_path, const char *gone)
{
    const char *argv[MAX_ARGS];
    char wrapper[1024];
    pid_t pid;

    build_argv(argv, wrapper, prog, args);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int fd = open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0600);

        dup2(fd, STDERR_FILENO);
        dup2(fd, STDOUT_FILENO);
        if (fd > STDERR_FILENO) {
            close(fd);
        }
        if (gone) {
            setenv("LESSOR_FAKE_GONE", gone, 1);
        }
        unsetenv("JOURNAL_STREAM");
        if (daemon_nofile) {
            struct rlimit rl = { daemon_nofile, daemon_nofile };

            setrlimit(RLIMIT_NOFILE, &rl);
        }
        /* execvp() takes char *const[] for history: it does not write them */
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Wait up to @ms for @pid; its exit status, or -1 (then killed) */
static int wait_exit(pid_t pid, int ms)
{
    int64_t end = now_ms() + ms;
    int status;

    while (now_ms() < end) {
        pid_t r = waitpid(pid, &status, WNOHANG);

        if (r == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) :
                   128 + WTERMSIG(status);
        }
        sleep_ms(20);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

/* Run a command that should exit at once; its status, output in @out */
static int run(const char *prog, const char *const *args, const char **out)
{
    char path[PATH_MAX];
    int status;

    make_path(path, sizeof(path), tmp_dir, "run.out");
    unlink(path);
    status = wait_exit(spawn(prog, args, path, NULL), START_TIMEOUT_MS);
    *out = read_file(path);
    return status;
}

static bool daemon_start(const char *gone)
{
    const char *args[] = {
        "-s", sock_path, "-p", policy_path, "-v", NULL,
    };
    int64_t end = now_ms() + START_TIMEOUT_MS;

    daemon_pid = spawn("kms-lessord-fake", args, log_path, gone);
    while (now_ms() < end) {
        int fd = conn_open();
        int status;

        if (fd >= 0) {
            close(fd);
            return true;
        }
        if (waitpid(daemon_pid, &status, WNOHANG) == daemon_pid) {
            daemon_pid = -1;
            return false;
        }
        sleep_ms(20);
    }
    return false;
}

static int daemon_stop(int sig)
{
    int status;

    if (daemon_pid < 0) {
        return -1;
    }
    kill(daemon_pid, sig);
    status = wait_exit(daemon_pid, START_TIMEOUT_MS);
    daemon_pid = -1;
    return status;
}

static void cleanup(void)
{
    char cmd[PATH_MAX + 16];

    if (daemon_pid > 0) {
        kill(daemon_pid, SIGKILL);
    }
    if (tmp_dir[0] && !getenv("TEST_LESSORD_KEEP")) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "test-lessord: could not remove %s\n", tmp_dir);
        }
    }
}

/* ---- The tests ---- */

static const char list_all_free[] =
    "CONNECTOR HDMI-A-1 connected free allowed\n"
    "CONNECTOR Virtual-1 connected free allowed\n"
    "CONNECTOR HDMI-A-2 disconnected free allowed\n"
    "CONNECTOR DSI-1 connected free allowed\n"
    "CONNECTOR Virtual-2 unknown free denied\n"
    "END\n";

static const char list_hdmi_leased[] =
    "CONNECTOR HDMI-A-1 connected leased allowed\n"
    "CONNECTOR Virtual-1 connected free allowed\n"
    "CONNECTOR HDMI-A-2 disconnected free allowed\n"
    "CONNECTOR DSI-1 connected free allowed\n"
    "CONNECTOR Virtual-2 unknown free denied\n"
    "END\n";

static void write_policy(bool with_virtual2)
{
    char text[512];

    snprintf(text, sizeof(text),
             "# test-lessord\n"
             "allow uid:%u HDMI-A-1\n"
             "allow uid:%u Virtual-1\n"
             "allow uid:%u HDMI-A-2\n"
             "allow uid:%u DSI-1\n"
             "%s",
             getuid(), getuid(), getuid(), getuid(),
             with_virtual2 ? "allow * Virtual-2\n" : "");
    write_file(policy_path, text);
}

static void test_leases(void)
{
    struct stat st;
    int a, b;
    Reply r;

    check(stat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode) &&
          (st.st_mode & 07777) == 0660, "socket is mode 0660");
    EXPECT("LIST shows every connector", "LIST 1\n", list_all_free);

    a = lease("LEASE HDMI-A-1: its CRTC, primary and cursor, with an fd",
              "HDMI-A-1", "OK 100 50 40 60 62\n", 100, 1);
    check(daemon_holds_lease(100), "the daemon keeps its copy of the fd");
    EXPECT("LIST shows HDMI-A-1 leased", "LIST 1\n", list_hdmi_leased);
    EXPECT_PREFIX("LEASE of a leased connector: EBUSY",
                  "LEASE 1 HDMI-A-1\n", "ERR EBUSY HDMI-A-1 is leased");
    EXPECT_PREFIX("LEASE against the policy: EPERM", "LEASE 1 Virtual-2\n",
                  "ERR EPERM policy ");
    EXPECT_PREFIX("LEASE of no such connector: ENOENT", "LEASE 1 DP-9\n",
                  "ERR ENOENT no connector DP-9 on fake-card0");
    EXPECT_PREFIX("LEASE the kernel refuses: EIO", "LEASE 1 DSI-1\n",
                  "ERR EIO the kernel refused to lease DSI-1 (connector 53, "
                  "CRTC 41, plane 61): Invalid argument");

    b = lease("LEASE Virtual-1 sent in 4 segments: the idle CRTC",
              "Virtual-1", "OK 101 51 41 61 0\n", 101, 4);
    EXPECT_PREFIX("LEASE with every CRTC taken: EBUSY", "LEASE 1 HDMI-A-2\n",
                  "ERR EBUSY HDMI-A-2 can only use CRTCs that are leased");

    if (a >= 0) {
        close(a);
    }
    check(list_shows("CONNECTOR HDMI-A-1 connected free allowed\n") &&
          log_has("revoked lessee 100 (HDMI-A-1): connection closed"),
          "closing the connection revokes the lease");
    check(!daemon_holds_lease(100), "and the daemon closes its copy");

    if (b >= 0) {
        send_bytes(b, "x", 1);
        read_reply(b, &r, false, REPLY_TIMEOUT_MS);
        check(r.eof && strcmp(r.text, "ERR EPROTO data after the lease was "
                              "granted: lease revoked\n") == 0,
              "a byte after the lease: EPROTO, revoked, closed");
        close(b);
    }
    check(list_shows("CONNECTOR Virtual-1 connected free allowed\n") &&
          log_has("revoked lessee 101"), "that lease is free again");
    EXPECT("all free again", "LIST 1\n", list_all_free);
}

static void test_hostile(void)
{
    char big[300];
    char *huge;
    Reply r;
    int fd;
    size_t i;

    EXPECT("empty line", "\n", "ERR EPROTO empty request: expected "
           "'LEASE 1 <connector>' or 'LIST 1'\n");
    EXPECT_PREFIX("NUL byte", "LIST\0001\n", "ERR EPROTO NUL byte");
    EXPECT_PREFIX("CRLF", "LIST 1\r\n", "ERR EPROTO carriage return");
    EXPECT_PREFIX("non-ASCII", "LEASE 1 \xe2\x80\x8bHDMI\n",
                  "ERR EPROTO request is not printable ASCII");
    EXPECT("bad version", "LEASE 2 HDMI-A-1\n", "ERR EPROTO unsupported "
           "protocol version: this daemon speaks version 1\n");
    EXPECT_PREFIX("unknown verb", "GET 1\n", "ERR EPROTO unknown request");
    EXPECT_PREFIX("bad connector name", "LEASE 1 HDMI-A-1;rm\n",
                  "ERR EPROTO bad connector name");
    EXPECT_PREFIX("extra field", "LIST 1 2\n", "ERR EPROTO too many fields");
    EXPECT_PREFIX("two requests at once", "LIST 1\nLIST 1\n",
                  "ERR EPROTO data after the request line");

    memset(big, 'A', sizeof(big));
    expect_reply("300 bytes without newline", big, sizeof(big),
                 "ERR EPROTO request longer than 254 characters", true);

    huge = malloc(1 << 20);
    for (i = 0; i < 1 << 20; i++) {
        huge[i] = (char)(i * 7919 % 251);
    }
    expect_reply("1 MiB of binary junk", huge, 1 << 20, "ERR EPROTO ", true);
    free(huge);

    fd = conn_open();
    send_bytes(fd, "LIST 1", 6);
    shutdown(fd, SHUT_WR);
    read_reply(fd, &r, false, REPLY_TIMEOUT_MS);
    check(r.eof && strcmp(r.text, "ERR EPROTO end of input before the end "
                          "of the request: end it with \\n\n") == 0,
          "half-closed before the newline");
    close(fd);

    for (i = 0; i < 20; i++) {
        fd = conn_open();
        close(fd);
    }
    EXPECT("connections closed at once leave it working", "LIST 1\n",
           list_all_free);
}

static void test_limits(void)
{
    int fds[64];
    int64_t start;
    Reply r;
    int i, n = 0, fd;

    for (i = 0; i < 64; i++) {
        fds[i] = conn_open();
        n += fds[i] >= 0;
    }
    /* Make sure the daemon has taken all 64 before the 65th comes */
    sleep_ms(300);
    expect_reply("65th connection: EAGAIN", "LIST 1\n", 7,
                 "ERR EAGAIN too many connections (64 open)", true);
    for (i = 0; i < 64; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    check(n == 64 && list_shows("END\n"), "64 connections, then served again");

    fd = conn_open();
    start = now_ms();
    send_bytes(fd, "LIS", 3);
    read_reply(fd, &r, false, REPLY_TIMEOUT_MS);
    check(r.eof && strcmp(r.text, "ERR EPROTO request timeout\n") == 0 &&
          now_ms() - start >= 4500, "incomplete request times out in 5 s "
          "(%d ms)", (int)(now_ms() - start));
    close(fd);
}

static void test_signals(void)
{
    char bad_policy[PATH_MAX + 32];
    int c, status;
    Reply r;

    /* A broken policy is refused and the old one kept */
    write_file(policy_path, "allow * *\nallow everyone HDMI-A-1\n");
    kill(daemon_pid, SIGHUP);
    snprintf(bad_policy, sizeof(bad_policy), "%s:2: bad subject 'everyone'",
             policy_path);
    sleep_ms(300);
    check(log_has(bad_policy) && log_has("keeping the previous policy"),
          "SIGHUP with a broken policy: FILE:LINE logged, old policy kept");
    EXPECT("the old policy still applies", "LIST 1\n", list_all_free);

    write_policy(true);
    kill(daemon_pid, SIGHUP);
    check(list_shows("CONNECTOR Virtual-2 unknown free allowed\n"),
          "SIGHUP loads the new policy");
    c = lease("LEASE under the new policy", "Virtual-2",
              "OK 102 54 41 61 0\n", 102, 1);

    write_policy(false);
    kill(daemon_pid, SIGHUP);
    check(list_shows("CONNECTOR Virtual-2 unknown leased denied\n"),
          "SIGHUP keeps existing leases");

    status = daemon_stop(SIGTERM);
    check(status == 0, "SIGTERM: exit status 0 (got %d)", status);
    if (c >= 0) {
        read_reply(c, &r, false, 2000);
        check(r.eof && r.len == 0, "SIGTERM closes the leased connection");
        close(c);
    }
    check(log_has("revoked lessee 102 (Virtual-2): kms-lessord is stopping")
          && log_has("stopped: revoked 1 leases") &&
          log_has("fake-kms: closed with 0 leases outstanding"),
          "SIGTERM revokes every lease");
    check(access(sock_path, F_OK) != 0, "SIGTERM removes the socket");
}

static void test_second_daemon(void)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    const char *args[] = { "-s", sock_path, "-p", policy_path, NULL };
    const char *out;
    int fd, status;

    /* A socket file nobody listens on, as a crash leaves it */
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    set_sun_path(&addr, sock_path);
    check(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0,
          "made a stale socket");
    close(fd);
    unlink(gone_path);
    check(daemon_start(gone_path) && log_has("removed stale socket"),
          "starts over a stale socket");

    status = run("kms-lessord-fake", args, &out);
    check(status == 1 && strstr(out, "another kms-lessord is listening"),
          "a second daemon on the same socket exits 1");
    if (status != 1) {
        diag("status %d: %s", status, out);
    }

    write_file(gone_path, "");
    EXPECT("device gone: LIST fails with EIO", "LIST 1\n",
           "ERR EIO cannot read the connectors of fake-card0: "
           "No such device\n");
    unlink(gone_path);
    EXPECT_PREFIX("device gone stays gone: LEASE fails with EIO",
                  "LEASE 1 HDMI-A-1\n", "ERR EIO cannot read the connectors");
    check(log_has("fake-card0 is gone"), "device loss is logged");

    status = daemon_stop(SIGINT);
    check(status == 0 && access(sock_path, F_OK) != 0,
          "SIGINT: exit 0, socket removed (got %d)", status);
}

/* Count the lines of the log that contain @text */
static int log_count(const char *text)
{
    const char *p = read_file(log_path);
    int n = 0;

    while ((p = strstr(p, text))) {
        n++;
        p += strlen(text);
    }
    return n;
}

static void test_fd_exhaustion(void)
{
    int fds[24];
    int i, status;

    /* valgrind and its kind need fds of their own within the limit */
    if (getenv("TEST_LESSORD_WRAPPER") && *getenv("TEST_LESSORD_WRAPPER")) {
        tap_skip("EMFILE", "under $TEST_LESSORD_WRAPPER");
        return;
    }
    /* 16 fds: the daemon's own 5 or so leave room for about 10 clients */
    daemon_nofile = 16;
    if (truncate(log_path, 0) != 0) {
        diag("cannot empty %s: %s", log_path, strerror(errno));
    }
    check(daemon_start(NULL), "EMFILE: daemon started with 16 fds");
    daemon_nofile = 0;
    for (i = 0; i < 24; i++) {
        fds[i] = conn_open();
    }
    sleep_ms(1500);
    check(log_count("cannot accept connections: Too many open files") == 1,
          "EMFILE: logged once, not per attempt");
    for (i = 0; i < 24; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    check(list_shows("END\n") || list_shows("END\n"),
          "EMFILE: serving again once clients leave");
    sleep_ms(1200);
    check(log_has("accepting connections again"),
          "EMFILE: recovery logged");
    status = daemon_stop(SIGTERM);
    check(status == 0, "EMFILE: clean exit (got %d)", status);
}

typedef struct StartCase {
    const char *name;
    const char *prog;
    const char *args[10];
    int status;
    const char *output;
} StartCase;

static void test_startup_errors(void)
{
    char bad_policy[PATH_MAX], not_sock[PATH_MAX], no_dir[PATH_MAX];
    char want_bad[PATH_MAX + 64];
    const char *out;
    size_t i;
    int status;

    make_path(bad_policy, sizeof(bad_policy), tmp_dir, "bad.policy");
    write_file(bad_policy, "# fine\nallow * HDMI-A-1\npermit * *\n");
    snprintf(want_bad, sizeof(want_bad), "%s:3: unknown keyword 'permit'",
             bad_policy);
    make_path(not_sock, sizeof(not_sock), tmp_dir, "plain-file");
    write_file(not_sock, "not a socket\n");
    make_path(no_dir, sizeof(no_dir), tmp_dir, "missing-dir/s.sock");

    {
        const StartCase cases[] = {
            { "--device /nonexistent fails clearly", "kms-lessord",
              { "--device", "/nonexistent", "--allow-all", "-s", sock_path },
              1, "cannot open /nonexistent: No such file or directory" },
            { "no policy and no --allow-all", "kms-lessord-fake",
              { "-s", sock_path }, 2, "no policy: give --policy FILE" },
            { "--policy and --allow-all together", "kms-lessord-fake",
              { "-p", policy_path, "--allow-all" }, 2, "exclude each other" },
            { "unknown long option named", "kms-lessord-fake",
              { "--frobnicate" }, 2, "unknown option '--frobnicate'" },
            { "unknown short option named", "kms-lessord-fake",
              { "-x" }, 2, "unknown option '-x'" },
            { "option without its argument", "kms-lessord-fake",
              { "--allow-all", "--socket" }, 2,
              "option '--socket' needs an argument" },
            { "stray argument", "kms-lessord-fake",
              { "--allow-all", "card0" }, 2, "unexpected argument 'card0'" },
            { "policy error: FILE:LINE", "kms-lessord-fake",
              { "-p", bad_policy, "-s", sock_path }, 1, want_bad },
            { "missing policy file", "kms-lessord-fake",
              { "-p", "/nonexistent.policy", "-s", sock_path }, 1,
              "cannot read policy /nonexistent.policy" },
            { "socket path is a plain file", "kms-lessord-fake",
              { "--allow-all", "-s", not_sock }, 1, "is not a socket" },
            { "socket directory missing", "kms-lessord-fake",
              { "--allow-all", "-s", no_dir }, 1,
              "does its directory exist" },
            { "unknown --group", "kms-lessord-fake",
              { "--allow-all", "-s", sock_path, "--group",
                "no-such-group-x" }, 1, "--group no-such-group-x: no such" },
            { "--version", "kms-lessord",
              { "--version" }, 0, "kms-lessord 1.0 (protocol 1)\n" },
            { "--help", "kms-lessord", { "--help" }, 0, "--policy FILE" },
        };

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            status = run(cases[i].prog, cases[i].args, &out);
            if (!check(status == cases[i].status &&
                       strstr(out, cases[i].output), "start: %s",
                       cases[i].name)) {
                diag("status %d, want %d; output:\n%s", status,
                     cases[i].status, out);
            }
        }
    }
    check(access(sock_path, F_OK) != 0 &&
          strcmp(read_file(not_sock), "not a socket\n") == 0,
          "start: failures leave no socket and keep other files");
}

int main(int argc, char **argv)
{
    int status;

    if (argc != 2) {
        fprintf(stderr, "usage: test-lessord BUILD_DIR\n");
        return 2;
    }
    if (!realpath(argv[1], build_dir)) {
        fprintf(stderr, "test-lessord: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/test-lessord.XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        perror("test-lessord: mkdtemp");
        return 2;
    }
    atexit(cleanup);
    make_path(sock_path, sizeof(sock_path), tmp_dir, "card0.sock");
    make_path(policy_path, sizeof(policy_path), tmp_dir, "test.policy");
    make_path(log_path, sizeof(log_path), tmp_dir, "daemon.log");
    make_path(gone_path, sizeof(gone_path), tmp_dir, "gone");
    write_policy(false);

    if (!check(daemon_start(NULL), "kms-lessord-fake starts")) {
        diag("log:\n%s", read_file(log_path));
        return tap_finish();
    }
    test_leases();
    test_hostile();
    test_limits();
    if (daemon_pid > 0) {
        check(kill(daemon_pid, 0) == 0, "the daemon is still running");
    }
    test_signals();
    test_second_daemon();
    test_fd_exhaustion();
    test_startup_errors();

    status = daemon_stop(SIGKILL);
    (void)status;
    if (tap_failed()) {
        diag("daemon log:\n%s", read_file(log_path));
    }
    return tap_finish();
}
