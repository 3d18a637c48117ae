/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-lessor: unit tests of kms-lessord's pure parts, TAP output.
 *
 * Covers lessor-proto.c (requests, hostile ones included, and replies),
 * lessor-policy.c (parser and matcher) and lessor-kms.c (object choice).
 * No DRM device, socket or user database is needed.  The event loop is
 * tested by test-lessord.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xf86drmMode.h>

#include "lessor-kms.h"
#include "lessor-policy.h"
#include "lessor-proto.h"
#include "test-tap.h"

static const char *parse_name(LessorParse r)
{
    return r == LESSOR_PARSE_DONE ? "DONE" :
           r == LESSOR_PARSE_MORE ? "MORE" : "ERROR";
}

/*
 * Parse @len bytes of @in and check the result: @want; for DONE the verb
 * and connector; for ERROR that the reason contains @why.
 */
static void expect_req(const char *name, const char *in, size_t len,
                       LessorParse want, LessorVerb verb,
                       const char *connector, const char *why)
{
    LessorRequest req;
    const char *reason = NULL;
    LessorParse r;
    bool ok;

    memset(&req, 0x5a, sizeof(req));
    r = lessor_proto_parse(in, len, &req, &reason);
    ok = r == want;
    if (ok && want == LESSOR_PARSE_DONE) {
        ok = req.verb == verb && reason == NULL &&
             strcmp(req.connector, connector ? connector : "") == 0;
    } else if (ok && want == LESSOR_PARSE_ERROR) {
        ok = reason && strstr(reason, why);
    } else if (ok) {
        ok = reason == NULL;
    }
    if (!check(ok, "request: %s", name)) {
        diag("got %s, reason '%s'", parse_name(r), reason ? reason : "");
    }
}

#define REQ_OK(name, s, verb, conn) \
    expect_req(name, s, sizeof(s) - 1, LESSOR_PARSE_DONE, verb, conn, NULL)
#define REQ_MORE(name, s) \
    expect_req(name, s, sizeof(s) - 1, LESSOR_PARSE_MORE, 0, NULL, NULL)
#define REQ_ERR(name, s, why) \
    expect_req(name, s, sizeof(s) - 1, LESSOR_PARSE_ERROR, 0, NULL, why)

static void test_requests(void)
{
    char buf[600];
    LessorRequest req;
    const char *why;
    const char *full = "LEASE 1 Virtual-2\n";
    size_t i;
    bool all_more = true;

    REQ_OK("LEASE", "LEASE 1 HDMI-A-1\n", LESSOR_VERB_LEASE, "HDMI-A-1");
    REQ_OK("LIST", "LIST 1\n", LESSOR_VERB_LIST, "");
    REQ_OK("LEASE, digits and dashes", "LEASE 1 DP-10\n", LESSOR_VERB_LEASE,
           "DP-10");
    REQ_MORE("nothing yet", "");
    REQ_MORE("no newline yet", "LEASE 1 HDMI-A-1");
    REQ_ERR("empty line", "\n", "empty request");

    REQ_ERR("embedded NUL", "LEASE 1 HDMI\0-A-1\n", "NUL byte");
    REQ_ERR("NUL alone, before any newline", "\0", "NUL byte");
    REQ_ERR("non-ASCII", "LEASE 1 HDMI-\xc3\xa9\n", "printable ASCII");
    REQ_ERR("DEL byte", "LIST 1\x7f\n", "printable ASCII");
    REQ_ERR("tab separator", "LEASE\t1 HDMI-A-1\n", "printable ASCII");
    REQ_ERR("control byte fails before the newline", "LI\x01", "ASCII");
    REQ_ERR("CRLF", "LIST 1\r\n", "carriage return");

    REQ_ERR("version 2", "LEASE 2 HDMI-A-1\n", "unsupported protocol");
    REQ_ERR("version 01", "LIST 01\n", "unsupported protocol");
    REQ_ERR("version 0", "LIST 0\n", "unsupported protocol");
    REQ_ERR("huge version", "LIST 99999999999999999999999\n",
            "unsupported protocol");
    REQ_ERR("version x", "LEASE x HDMI-A-1\n", "bad protocol version");
    REQ_ERR("version -1", "LIST -1\n", "bad protocol version");
    REQ_ERR("no version", "LEASE\n", "missing protocol version");
    REQ_ERR("LIST without version", "LIST\n", "missing protocol version");

    REQ_ERR("unknown verb", "FOO 1\n", "unknown request");
    REQ_ERR("lower-case verb", "lease 1 HDMI-A-1\n", "unknown request");
    REQ_ERR("verb prefix", "LEAS 1 HDMI-A-1\n", "unknown request");
    REQ_ERR("verb with suffix", "LEASEX 1 HDMI-A-1\n", "unknown request");

    REQ_ERR("missing connector", "LEASE 1\n", "missing connector");
    REQ_ERR("empty connector", "LEASE 1\x20\n", "exactly one space");
    REQ_ERR("connector with underscore", "LEASE 1 HDMI_A_1\n",
            "bad connector name");
    REQ_ERR("connector with slash", "LEASE 1 ../HDMI-A-1\n",
            "bad connector name");
    REQ_ERR("connector with glob", "LEASE 1 *\n", "bad connector name");
    REQ_OK("connector of 32 characters",
           "LEASE 1 ABCDEFGHIJKLMNOPQRSTUVWXYZ-01234\n", LESSOR_VERB_LEASE,
           "ABCDEFGHIJKLMNOPQRSTUVWXYZ-01234");
    REQ_ERR("connector of 33 characters",
            "LEASE 1 ABCDEFGHIJKLMNOPQRSTUVWXYZ-012345\n",
            "bad connector name");

    REQ_ERR("extra field after LEASE", "LEASE 1 HDMI-A-1 now\n",
            "too many fields");
    REQ_ERR("extra field after LIST", "LIST 1 all\n", "too many fields");
    REQ_ERR("many fields", "LEASE 1 A B C D E F G\n", "too many fields");
    REQ_ERR("two spaces", "LEASE  1 HDMI-A-1\n", "exactly one space");
    REQ_ERR("leading space", " LIST 1\n", "exactly one space");
    REQ_ERR("trailing space", "LIST 1\x20\n", "exactly one space");
    REQ_ERR("spaces only", "\x20\x20\x20\n", "exactly one space");
    REQ_ERR("second request after the first",
            "LIST 1\nLEASE 1 HDMI-A-1\n", "data after the request");
    REQ_ERR("one byte after the newline", "LIST 1\nx",
            "data after the request");

    /* The length limit: 255 bytes with the newline */
    memset(buf, 'A', sizeof(buf));
    buf[254] = '\n';
    expect_req("255-byte line is read (then rejected as unknown)", buf, 255,
               LESSOR_PARSE_ERROR, 0, NULL, "unknown request");
    expect_req("254 bytes without newline: wait", buf, 254,
               LESSOR_PARSE_MORE, 0, NULL, NULL);
    memset(buf, 'A', sizeof(buf));
    expect_req("255 bytes without newline: too long", buf, 255,
               LESSOR_PARSE_ERROR, 0, NULL, "longer than 254");
    buf[255] = '\n';
    expect_req("256-byte line: too long", buf, 256, LESSOR_PARSE_ERROR, 0,
               NULL, "longer than 254");
    expect_req("600 bytes: too long", buf, sizeof(buf), LESSOR_PARSE_ERROR,
               0, NULL, "longer than 254");

    /* Segments: every prefix of a request waits, the whole one parses */
    for (i = 0; i < strlen(full); i++) {
        if (lessor_proto_parse(full, i, &req, &why) != LESSOR_PARSE_MORE) {
            all_more = false;
        }
    }
    check(all_more, "request: every prefix of a split request waits");
    expect_req("split request, complete", full, strlen(full),
               LESSOR_PARSE_DONE, LESSOR_VERB_LEASE, "Virtual-2", NULL);
}

static void expect_line(const char *name, int n, const char *buf,
                        const char *want)
{
    bool ok = n == (int)strlen(want) && strcmp(buf, want) == 0;

    if (!check(ok, "reply: %s", name)) {
        diag("got %d '%s', want '%s'", n, n >= 0 ? buf : "", want);
    }
}

static void test_replies(void)
{
    LessorLeaseIds ids = { 7, 33, 41, 31, 0 };
    char buf[LESSOR_LINE_MAX + 1];
    char big[400];
    char small[8];
    int n, i;
    bool clean;

    n = lessor_format_ok(buf, sizeof(buf), &ids);
    expect_line("OK without cursor", n, buf, "OK 7 33 41 31 0\n");
    ids.cursor_plane_id = 32;
    n = lessor_format_ok(buf, sizeof(buf), &ids);
    expect_line("OK with cursor", n, buf, "OK 7 33 41 31 32\n");
    ids.lessee_id = 4294967295u;
    n = lessor_format_ok(buf, sizeof(buf), &ids);
    expect_line("OK with the largest ID", n, buf,
                "OK 4294967295 33 41 31 32\n");
    check(lessor_format_ok(small, sizeof(small), &ids) == -1,
          "reply: OK into a small buffer fails");
    ids.crtc_id = 0;
    check(lessor_format_ok(buf, sizeof(buf), &ids) == -1,
          "reply: OK without a CRTC is refused");

    n = lessor_format_err(buf, sizeof(buf), LESSOR_EBUSY, "%s is leased",
                          "HDMI-A-1");
    expect_line("ERR EBUSY", n, buf, "ERR EBUSY HDMI-A-1 is leased\n");
    n = lessor_format_err(buf, sizeof(buf), LESSOR_EAGAIN, "%s", "");
    expect_line("ERR without message", n, buf, "ERR EAGAIN\n");
    n = lessor_format_err(buf, sizeof(buf), LESSOR_EIO, "bad\n\tpath \xff");
    expect_line("ERR message sanitised", n, buf, "ERR EIO bad??path ?\n");
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    n = lessor_format_err(buf, sizeof(buf), LESSOR_EPROTO, "%s", big);
    check(n == LESSOR_LINE_MAX && buf[n - 1] == '\n' && buf[n] == '\0' &&
          strncmp(buf, "ERR EPROTO xxx", 14) == 0,
          "reply: long ERR cut to one 255-byte line (%d)", n);
    n = lessor_format_err(small, sizeof(small), LESSOR_EPROTO, "%s", big);
    check(n == -1, "reply: ERR into a small buffer fails");
    n = lessor_format_err(buf, 20, LESSOR_EIO, "%s", big);
    check(n == 19 && strcmp(buf, "ERR EIO xxxxxxxxxx\n") == 0,
          "reply: ERR cut to a 20-byte buffer");
    n = lessor_format_err(buf, sizeof(buf), (LessorErr)99, "x");
    check(n == -1, "reply: unknown error code refused");
    clean = true;
    for (i = 0; i <= LESSOR_EAGAIN; i++) {
        const char *name = lessor_err_name(i);

        clean = clean && name && name[0] == 'E';
    }
    check(clean && strcmp(lessor_err_name(LESSOR_EPERM), "EPERM") == 0 &&
          strcmp(lessor_err_name(LESSOR_ENOENT), "ENOENT") == 0,
          "reply: error code names");

    n = lessor_format_connector(buf, sizeof(buf), "HDMI-A-1",
                                LESSOR_CONN_CONNECTED, false, true);
    expect_line("CONNECTOR free allowed", n, buf,
                "CONNECTOR HDMI-A-1 connected free allowed\n");
    n = lessor_format_connector(buf, sizeof(buf), "Virtual-2",
                                LESSOR_CONN_UNKNOWN, true, false);
    expect_line("CONNECTOR leased denied", n, buf,
                "CONNECTOR Virtual-2 unknown leased denied\n");
    n = lessor_format_connector(buf, sizeof(buf), "DP-1",
                                LESSOR_CONN_DISCONNECTED, false, false);
    expect_line("CONNECTOR disconnected", n, buf,
                "CONNECTOR DP-1 disconnected free denied\n");
    check(lessor_format_connector(buf, sizeof(buf), "bad name",
                                  LESSOR_CONN_CONNECTED, 0, 0) == -1,
          "reply: CONNECTOR with a bad name refused");
    n = lessor_format_end(buf, sizeof(buf));
    expect_line("END", n, buf, "END\n");

    n = lessor_connector_name(buf, sizeof(buf), "HDMI-A", 11, 1);
    expect_line("connector name", n, buf, "HDMI-A-1");
    n = lessor_connector_name(buf, sizeof(buf), NULL, 21, 3);
    expect_line("connector name, unknown type", n, buf, "Unknown21-3");
    n = lessor_connector_name(buf, sizeof(buf), "Bad Name", 7, 2);
    expect_line("connector name, bad type name", n, buf, "Unknown7-2");
    n = lessor_connector_name(buf, sizeof(buf), "Virtual", 15, 4294967295u);
    expect_line("connector name, largest type id", n, buf,
                "Virtual-4294967295");
    check(lessor_connector_name(small, sizeof(small), "Virtual", 15, 1) == -1,
          "reply: connector name into a small buffer fails");
#ifdef HAVE_DRM_CONNECTOR_TYPE_NAME
    check(strcmp(drmModeGetConnectorTypeName(DRM_MODE_CONNECTOR_HDMIA),
                 "HDMI-A") == 0 &&
          strcmp(drmModeGetConnectorTypeName(DRM_MODE_CONNECTOR_VIRTUAL),
                 "Virtual") == 0,
          "reply: libdrm names connector types as the protocol expects");
#endif
}

/* ---- Policy ---- */

static bool parse_policy(const char *text, size_t len, LessorPolicy *p,
                         char *err, size_t err_size)
{
    return lessor_policy_parse(text, len, "test.policy", p, err, err_size);
}

static void expect_policy_ok(const char *name, const char *text,
                             size_t n_rules)
{
    LessorPolicy p;
    char err[256];
    bool ok = parse_policy(text, strlen(text), &p, err, sizeof(err));

    if (!check(ok && p.n_rules == n_rules, "policy: %s", name)) {
        diag("ok %d, %zu rules, error '%s'", ok, p.n_rules, err);
    }
    lessor_policy_clear(&p);
}

/* Check the error begins with @want ("test.policy:LINE: ...") */
static void expect_policy_err(const char *name, const char *text, size_t len,
                              const char *want)
{
    LessorPolicy p;
    char err[256];
    bool ok = parse_policy(text, len, &p, err, sizeof(err));

    if (!check(!ok && p.rules == NULL && p.n_rules == 0 &&
               strncmp(err, want, strlen(want)) == 0, "policy: %s", name)) {
        diag("got '%s', want '%s...'", ok ? "(parsed)" : err, want);
    }
    lessor_policy_clear(&p);
}

#define POLICY_ERR(name, s, want) expect_policy_err(name, s, strlen(s), want)

static void test_policy_parse(void)
{
    LessorPolicy p;
    char err[256];
    char *huge;
    size_t i, len;
    bool ok;

    expect_policy_ok("empty file", "", 0);
    expect_policy_ok("comments and blank lines",
                     "# who may lease what\n\n\x20\x20\n\t# indented\n", 0);
    expect_policy_ok("every subject kind",
                     "allow user:alice HDMI-A-1\n"
                     "allow uid:1000 HDMI-A-2\n"
                     "allow group:video Virtual-1\n"
                     "allow gid:44 Virtual-2\n"
                     "allow * DP-1\n", 5);
    expect_policy_ok("tabs, CRLF and a trailing comment",
                     "allow\tuser:bob\t* # bob's screens\r\n"
                     "  allow   uid:0   HDMI-A-1\x20\x20\r\n", 2);
    expect_policy_ok("no newline at the end", "allow * *", 1);
    expect_policy_ok("duplicate lines are kept",
                     "allow uid:5 HDMI-A-1\nallow uid:5 HDMI-A-1\n", 2);
    expect_policy_ok("non-ASCII in a comment",
                     "# J\xc3\xbcrgen's screen\nallow user:juergen DP-2\n", 1);
    expect_policy_ok("names with . _ @ - and a final $",
                     "allow user:a.b_c-d@ad.example *\n"
                     "allow user:host$ *\n", 2);
    expect_policy_ok("uid 4294967294", "allow uid:4294967294 *\n", 1);

    POLICY_ERR("unknown keyword, with its line",
               "# ok\nallow * *\ndeny * HDMI-A-1\n",
               "test.policy:3: unknown keyword 'deny'");
    POLICY_ERR("keyword case matters", "Allow * *\n",
               "test.policy:1: unknown keyword 'Allow'");
    POLICY_ERR("keyword glued to a field", "allow* *\n",
               "test.policy:1: unknown keyword 'allow*'");
    POLICY_ERR("missing connector", "\nallow user:bob\n",
               "test.policy:2: missing connector");
    POLICY_ERR("missing subject and connector", "allow\n",
               "test.policy:1: missing subject and connector");
    POLICY_ERR("too many fields", "allow user:a user:b HDMI-A-1\n",
               "test.policy:1: too many fields");
    POLICY_ERR("bad subject", "allow alice HDMI-A-1\n",
               "test.policy:1: bad subject 'alice'");
    POLICY_ERR("empty user name", "allow user: *\n",
               "test.policy:1: bad user name ''");
    POLICY_ERR("user name starting with -", "allow user:-x *\n",
               "test.policy:1: bad user name '-x'");
    POLICY_ERR("user name with /", "allow user:a/b *\n",
               "test.policy:1: bad user name 'a/b'");
    POLICY_ERR("$ inside a name", "allow group:a$b *\n",
               "test.policy:1: bad group name 'a$b'");
    POLICY_ERR("uid not a number", "allow uid:abc *\n",
               "test.policy:1: bad uid 'abc'");
    POLICY_ERR("negative gid", "allow gid:-1 *\n",
               "test.policy:1: bad gid '-1'");
    POLICY_ERR("uid 4294967295 is not an ID", "allow uid:4294967295 *\n",
               "test.policy:1: bad uid '4294967295'");
    POLICY_ERR("uid with 11 digits", "allow uid:00000000001 *\n",
               "test.policy:1: bad uid");
    POLICY_ERR("empty uid", "allow uid: *\n", "test.policy:1: bad uid ''");
    POLICY_ERR("connector with underscore", "allow * HDMI_A_1\n",
               "test.policy:1: bad connector 'HDMI_A_1'");
    POLICY_ERR("connector glob other than *", "allow * HDMI-A-*\n",
               "test.policy:1: bad connector 'HDMI-A-*'");
    POLICY_ERR("connector of 33 characters",
               "allow * ABCDEFGHIJKLMNOPQRSTUVWXYZ-012345\n",
               "test.policy:1: bad connector");
    POLICY_ERR("non-ASCII outside a comment", "allow user:j\xc3\xbc *\n",
               "test.policy:1: byte 0xc3 outside a comment");
    POLICY_ERR("control character", "allow * *\x0b\n",
               "test.policy:1: byte 0x0b");
    expect_policy_err("NUL byte", "allow * *\n# \0\n", 14,
                      "test.policy:2: NUL byte");

    /* Size limits */
    huge = malloc(LESSOR_POLICY_MAX_BYTES + 2);
    memset(huge, '#', LESSOR_POLICY_MAX_BYTES + 1);
    huge[LESSOR_POLICY_MAX_BYTES + 1] = '\0';
    expect_policy_err("file over 1 MiB", huge, LESSOR_POLICY_MAX_BYTES + 1,
                      "test.policy: larger than");
    memset(huge, '#', LESSOR_POLICY_MAX_LINE + 1);
    expect_policy_err("line of 1025 characters", huge,
                      LESSOR_POLICY_MAX_LINE + 1,
                      "test.policy:1: line longer than 1024");
    huge[LESSOR_POLICY_MAX_LINE] = '\n';
    ok = parse_policy(huge, LESSOR_POLICY_MAX_LINE + 1, &p, err, sizeof(err));
    check(ok && p.n_rules == 0, "policy: line of 1024 characters is fine");
    lessor_policy_clear(&p);

    len = 0;
    for (i = 0; i < LESSOR_POLICY_MAX_RULES; i++) {
        len += snprintf(huge + len, LESSOR_POLICY_MAX_BYTES + 2 - len,
                        "allow uid:%zu *\n", i);
    }
    ok = parse_policy(huge, len, &p, err, sizeof(err));
    check(ok && p.n_rules == LESSOR_POLICY_MAX_RULES &&
          p.rules[4095].id == 4095 && p.rules[4095].line == 4096,
          "policy: 4096 rules");
    lessor_policy_clear(&p);
    len += snprintf(huge + len, LESSOR_POLICY_MAX_BYTES + 2 - len,
                    "\n# one more:\nallow * *\n");
    expect_policy_err("4097 rules", huge, len,
                      "test.policy:4099: more than 4096 rules");

    /* A megabyte of comments and blank lines, just under the limit */
    memset(huge, ' ', LESSOR_POLICY_MAX_BYTES);
    for (i = 0; i + 100 < LESSOR_POLICY_MAX_BYTES; i += 100) {
        memcpy(huge + i, "# comment", 9);
        huge[i + 99] = '\n';
    }
    memcpy(huge + i, "allow * *", 9);
    ok = parse_policy(huge, LESSOR_POLICY_MAX_BYTES, &p, err, sizeof(err));
    check(ok && p.n_rules == 1 && p.rules[0].line == i / 100 + 1,
          "policy: 1 MiB file parses (rule on line %zu)", i / 100 + 1);
    lessor_policy_clear(&p);
    free(huge);

    ok = lessor_policy_allow_all(&p);
    check(ok && p.n_rules == 1 && p.rules[0].who == LESSOR_WHO_ANY &&
          strcmp(p.rules[0].connector, "*") == 0,
          "policy: --allow-all is one 'allow * *' rule");
    lessor_policy_clear(&p);
}

static const char *policy_text =
    "# test policy\n"
    "allow user:alice HDMI-A-1\n"       /* line 2 */
    "allow uid:1001 HDMI-A-2\n"         /* line 3 */
    "allow group:video Virtual-1\n"     /* line 4 */
    "allow gid:44 Virtual-2\n"          /* line 5 */
    "allow uid:0 *\n"                   /* line 6 */
    "allow * DP-1\n"                    /* line 7 */
    "allow uid:1001 HDMI-A-2\n";        /* line 8, a duplicate */

static void expect_match(const LessorPolicy *p, const char *who,
                         const LessorPeer *peer, const char *connector,
                         unsigned want_line)
{
    const LessorRule *r = lessor_policy_match(p, peer, connector);
    unsigned line = r ? r->line : 0;

    if (!check(line == want_line, "match: %s %s %s", who,
               want_line ? "may lease" : "may not lease", connector)) {
        diag("matched line %u, want %u", line, want_line);
    }
}

static void test_policy_match(void)
{
    static const gid_t alice_gids[] = { 1000, 44 };
    static const char *const alice_groups[] = { "alice", NULL };
    static const gid_t bob_gids[] = { 1001, 27 };
    static const char *const bob_groups[] = { "bob", "video" };
    static const gid_t nameless_gids[] = { 44 };
    static const char *const nameless_groups[] = { NULL };
    const LessorPeer alice = { 1000, "alice", alice_gids, alice_groups, 2 };
    const LessorPeer bob = { 1001, "bob", bob_gids, bob_groups, 2 };
    const LessorPeer nameless = { 1002, NULL, nameless_gids, nameless_groups,
                                  1 };
    const LessorPeer root = { 0, "root", NULL, NULL, 0 };
    /* Named alice but a different uid: names come from the uid, so no */
    const LessorPeer fake_alice = { 2000, NULL, NULL, NULL, 0 };
    LessorPolicy p, empty = { NULL, 0 };
    char err[256];

    if (!check(parse_policy(policy_text, strlen(policy_text), &p, err,
                            sizeof(err)) && p.n_rules == 7,
               "match: test policy parses")) {
        diag("%s", err);
        return;
    }
    expect_match(&p, "user:alice", &alice, "HDMI-A-1", 2);
    expect_match(&p, "alice", &alice, "HDMI-A-2", 0);
    expect_match(&p, "alice via gid 44 (supplementary)", &alice,
                 "Virtual-2", 5);
    expect_match(&p, "alice, not in group video", &alice, "Virtual-1", 0);
    expect_match(&p, "anyone", &alice, "DP-1", 7);
    expect_match(&p, "alice", &alice, "DP-2", 0);
    expect_match(&p, "uid:1001 (first of duplicates)", &bob, "HDMI-A-2", 3);
    expect_match(&p, "bob via group:video (supplementary)", &bob,
                 "Virtual-1", 4);
    expect_match(&p, "bob", &bob, "HDMI-A-1", 0);
    expect_match(&p, "nameless user via primary gid 44", &nameless,
                 "Virtual-2", 5);
    expect_match(&p, "nameless user, user: rules skipped", &nameless,
                 "HDMI-A-1", 0);
    expect_match(&p, "uid:0 with connector *", &root, "Anything-7", 6);
    expect_match(&p, "uid:0, not user:alice", &root, "HDMI-A-1", 6);
    expect_match(&p, "no groups at all", &fake_alice, "Virtual-2", 0);
    expect_match(&p, "connector names are case-sensitive", &alice,
                 "hdmi-a-1", 0);
    expect_match(&empty, "an empty policy: nobody", &root, "HDMI-A-1", 0);
    lessor_policy_clear(&p);
}

/* ---- Object choice ---- */

static void kms_fixture(LessorKms *kms)
{
    static const LessorKmsConnector conns[] = {
        { 50, "HDMI-A-1", LESSOR_CONN_CONNECTED, 0x3, 40, false },
        { 51, "Virtual-1", LESSOR_CONN_CONNECTED, 0x3, 0, false },
        { 52, "DSI-1", LESSOR_CONN_CONNECTED, 0x4, 0, false },
        { 53, "None-1", LESSOR_CONN_DISCONNECTED, 0x0, 0, false },
        /* A bit beyond the device's CRTCs must be ignored */
        { 54, "Ghost-1", LESSOR_CONN_UNKNOWN, 0x80, 0, false },
    };
    static const LessorKmsPlane planes[] = {
        { 60, LESSOR_PLANE_PRIMARY, 0x1, 40, false },
        { 61, LESSOR_PLANE_PRIMARY, 0x7, 0, false },   /* shared */
        { 62, LESSOR_PLANE_PRIMARY, 0x2, 0, false },   /* CRTC 41 only */
        { 63, LESSOR_PLANE_CURSOR, 0x1, 0, false },
        { 64, LESSOR_PLANE_OVERLAY, 0x7, 0, false },
    };

    memset(kms, 0, sizeof(*kms));
    kms->connectors = malloc(sizeof(conns));
    memcpy(kms->connectors, conns, sizeof(conns));
    kms->n_connectors = sizeof(conns) / sizeof(conns[0]);
    kms->planes = malloc(sizeof(planes));
    memcpy(kms->planes, planes, sizeof(planes));
    kms->n_planes = sizeof(planes) / sizeof(planes[0]);
    kms->crtcs[0].id = 40;
    kms->crtcs[1].id = 41;
    kms->crtcs[2].id = 42;
    kms->n_crtcs = 3;
}

static void expect_pick(const char *name, const LessorKms *kms,
                        const char *connector, LessorPickResult want,
                        uint32_t crtc, uint32_t plane, uint32_t cursor)
{
    long i = lessor_kms_find_connector(kms, connector);
    LessorLeaseIds ids;
    LessorPickResult r;

    memset(&ids, 0, sizeof(ids));
    r = i < 0 ? (LessorPickResult)99 : lessor_kms_pick(kms, i, &ids);
    if (!check(r == want && (want != LESSOR_PICK_OK ||
               (ids.crtc_id == crtc && ids.plane_id == plane &&
                ids.cursor_plane_id == cursor &&
                ids.connector_id == kms->connectors[i].id &&
                ids.lessee_id == 0)), "pick: %s", name)) {
        diag("got %d: crtc %u plane %u cursor %u", r, ids.crtc_id,
             ids.plane_id, ids.cursor_plane_id);
    }
}

static void test_pick(void)
{
    LessorKms kms;
    uint32_t ids[3];
    LessorLeaseIds out;

    kms_fixture(&kms);
    check(lessor_kms_find_connector(&kms, "Virtual-1") == 1 &&
          lessor_kms_find_connector(&kms, "Virtual-9") == -1 &&
          lessor_kms_find_connector(&kms, "virtual-1") == -1,
          "pick: find connectors by exact name");
    check(lessor_kms_pick(&kms, 99, &out) == LESSOR_PICK_NO_CRTC,
          "pick: index out of range refused");

    expect_pick("the CRTC and plane driving the connector now", &kms,
                "HDMI-A-1", LESSOR_PICK_OK, 40, 60, 63);
    expect_pick("an idle CRTC before one driving another connector", &kms,
                "Virtual-1", LESSOR_PICK_OK, 41, 62, 0);
    expect_pick("the only CRTC the encoder can drive", &kms, "DSI-1",
                LESSOR_PICK_OK, 42, 61, 0);
    expect_pick("no encoder", &kms, "None-1", LESSOR_PICK_NO_CRTC, 0, 0, 0);
    expect_pick("possible_crtcs beyond the CRTC count ignored", &kms,
                "Ghost-1", LESSOR_PICK_NO_CRTC, 0, 0, 0);

    /* HDMI-A-1 leased with CRTC 40, plane 60 and the cursor */
    ids[0] = 50;
    ids[1] = 40;
    ids[2] = 60;
    lessor_kms_mark_leased(&kms, ids, 3);
    ids[0] = 63;
    lessor_kms_mark_leased(&kms, ids, 1);
    expect_pick("a leased connector", &kms, "HDMI-A-1",
                LESSOR_PICK_CONNECTOR_LEASED, 0, 0, 0);
    expect_pick("still CRTC 41 with its own plane", &kms, "Virtual-1",
                LESSOR_PICK_OK, 41, 62, 0);

    /* Virtual-1 takes CRTC 41; DSI-1 still has 42 */
    ids[0] = 51;
    ids[1] = 41;
    ids[2] = 62;
    lessor_kms_mark_leased(&kms, ids, 3);
    expect_pick("the shared primary for the last CRTC", &kms, "DSI-1",
                LESSOR_PICK_OK, 42, 61, 0);
    ids[0] = 61;
    lessor_kms_mark_leased(&kms, ids, 1);
    expect_pick("a free CRTC without a free primary plane", &kms, "DSI-1",
                LESSOR_PICK_NO_PLANE, 0, 0, 0);
    ids[0] = 42;
    lessor_kms_mark_leased(&kms, ids, 1);
    expect_pick("every usable CRTC leased", &kms, "DSI-1",
                LESSOR_PICK_CRTCS_LEASED, 0, 0, 0);
    lessor_kms_clear(&kms);
    check(kms.connectors == NULL && kms.n_planes == 0,
          "pick: clear empties the snapshot");

    /* The CRTC driving the connector wins even if it is not the first */
    kms_fixture(&kms);
    kms.connectors[1].crtc_id = 42;
    kms.connectors[1].possible_crtcs = 0x6;
    expect_pick("current CRTC preferred over a lower idle one", &kms,
                "Virtual-1", LESSOR_PICK_OK, 42, 61, 0);
    /* Both HDMI-A-1's CRTC 40 and an idle 41: the idle one */
    kms.connectors[1].crtc_id = 0;
    kms.connectors[1].possible_crtcs = 0x1;
    expect_pick("a CRTC driving another connector if it is the only one", &kms,
                "Virtual-1", LESSOR_PICK_OK, 40, 60, 63);
    lessor_kms_clear(&kms);
}

int main(void)
{
    test_requests();
    test_replies();
    test_policy_parse();
    test_policy_match();
    test_pick();
    return tap_finish();
}
