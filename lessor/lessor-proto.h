/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kms-lessord wire protocol: request parsing and reply formatting, pure.
 *
 * The protocol is specified in docs/LESSOR.md.  Nothing here does I/O, so
 * test-lessor.c and fuzz-lessor-proto.c exercise it without a DRM device;
 * kms-lessord.c is the only caller that touches sockets.
 */
#ifndef LESSOR_PROTO_H
#define LESSOR_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LESSOR_PROTO_VERSION 1

/* One protocol line, request or reply, "\n" included */
#define LESSOR_LINE_MAX 255

/* A connector name such as HDMI-A-1: 1..32 of [A-Za-z0-9-] */
#define LESSOR_CONNECTOR_NAME_MAX 32

typedef enum LessorVerb {
    LESSOR_VERB_LEASE,
    LESSOR_VERB_LIST,
} LessorVerb;

typedef struct LessorRequest {
    LessorVerb verb;
    char connector[LESSOR_CONNECTOR_NAME_MAX + 1];   /* LEASE only */
} LessorRequest;

typedef enum LessorParse {
    LESSOR_PARSE_ERROR = -1,
    LESSOR_PARSE_MORE = 0,      /* valid so far, no "\n" yet */
    LESSOR_PARSE_DONE = 1,
} LessorParse;

/* Reply error codes; their names are what goes on the wire */
typedef enum LessorErr {
    LESSOR_EPROTO,
    LESSOR_EPERM,
    LESSOR_ENOENT,
    LESSOR_EBUSY,
    LESSOR_EIO,
    LESSOR_EAGAIN,
} LessorErr;

typedef enum LessorConnStatus {
    LESSOR_CONN_CONNECTED,
    LESSOR_CONN_DISCONNECTED,
    LESSOR_CONN_UNKNOWN,
} LessorConnStatus;

/* The object IDs of a granted lease, as sent in the OK reply */
typedef struct LessorLeaseIds {
    uint32_t lessee_id;
    uint32_t connector_id;
    uint32_t crtc_id;
    uint32_t plane_id;
    uint32_t cursor_plane_id;   /* 0: none */
} LessorLeaseIds;

/*
 * Parse the bytes a client has sent so far (@buf, @len: everything since
 * the connection opened).  DONE fills @req; ERROR points @why at a static
 * sentence for the ERR EPROTO reply; MORE means wait for more bytes.
 * Bytes after the "\n" are an error: one request per connection.
 */
LessorParse lessor_proto_parse(const char *buf, size_t len,
                               LessorRequest *req, const char **why);

/* Whether @name (@len bytes, no NUL needed) is a well-formed connector name */
bool lessor_connector_name_valid(const char *name, size_t len);

const char *lessor_err_name(LessorErr code);
const char *lessor_conn_status_name(LessorConnStatus status);

/*
 * Reply formatters.  Each writes one "\n"-terminated line and a NUL into
 * @buf and returns the line's length without the NUL, or -1 if @size is
 * too small or an argument is invalid.  @size >= LESSOR_LINE_MAX + 1
 * always suffices.
 */
int lessor_format_ok(char *buf, size_t size, const LessorLeaseIds *ids);

/*
 * The message is cut to fit one line; bytes other than printable ASCII
 * become '?', so strerror() text or a device path is safe to pass.
 */
int lessor_format_err(char *buf, size_t size, LessorErr code,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

int lessor_format_connector(char *buf, size_t size, const char *name,
                            LessorConnStatus status, bool leased,
                            bool allowed);
int lessor_format_end(char *buf, size_t size);

/*
 * The name clients use for a connector: "<type name>-<type id>", as the
 * kernel and most compositors spell it (HDMI-A-1, Virtual-2).  @type_name
 * NULL or not a valid name part gives "Unknown<type>".  Returns the
 * length or -1 if @size is too small.
 */
int lessor_connector_name(char *buf, size_t size, const char *type_name,
                          uint32_t type, uint32_t type_id);

#endif /* LESSOR_PROTO_H */
