/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kms-lessord wire protocol: request parser and reply formatters, pure.
 *
 * See lessor-proto.h for the interface and docs/LESSOR.md for the
 * protocol.  Everything a client sends passes through
 * lessor_proto_parse(), so it trusts nothing about its input.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lessor-proto.h"

#define LEASE_USAGE "expected 'LEASE 1 <connector>' or 'LIST 1'"

/* At most 3 fields are valid; one more is enough to say "too many" */
#define MAX_FIELDS 4

static bool is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-';
}

bool lessor_connector_name_valid(const char *name, size_t len)
{
    size_t i;

    if (len == 0 || len > LESSOR_CONNECTOR_NAME_MAX) {
        return false;
    }
    for (i = 0; i < len; i++) {
        if (!is_name_char(name[i])) {
            return false;
        }
    }
    return true;
}

static bool field_is(const char *f, size_t len, const char *word)
{
    return len == strlen(word) && memcmp(f, word, len) == 0;
}

static bool all_digits(const char *f, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (f[i] < '0' || f[i] > '9') {
            return false;
        }
    }
    return len > 0;
}

/* Check the version field; NULL if it is "1", else why not */
static const char *check_version(const char *f, size_t len, bool present)
{
    if (!present) {
        return "missing protocol version: " LEASE_USAGE;
    }
    if (field_is(f, len, "1")) {
        return NULL;
    }
    if (all_digits(f, len)) {
        return "unsupported protocol version: this daemon speaks version 1";
    }
    return "bad protocol version: " LEASE_USAGE;
}

LessorParse lessor_proto_parse(const char *buf, size_t len,
                               LessorRequest *req, const char **why)
{
    const char *field[MAX_FIELDS] = { NULL };
    size_t flen[MAX_FIELDS] = { 0 };
    size_t nfields = 0;
    size_t eol, i, start;

    *why = NULL;

    /* Validate every byte received so far, so garbage fails early */
    for (eol = 0; eol < len; eol++) {
        unsigned char c = buf[eol];

        if (c == '\n') {
            break;
        }
        if (c == '\r') {
            *why = "carriage return in request: end the line with \\n alone";
            return LESSOR_PARSE_ERROR;
        }
        if (c == '\0') {
            *why = "NUL byte in request: send printable ASCII only";
            return LESSOR_PARSE_ERROR;
        }
        if (c < 0x20 || c > 0x7e) {
            *why = "request is not printable ASCII";
            return LESSOR_PARSE_ERROR;
        }
        if (eol + 1 >= LESSOR_LINE_MAX) {
            /* No room left for the "\n" within the limit */
            *why = "request longer than 254 characters: " LEASE_USAGE;
            return LESSOR_PARSE_ERROR;
        }
    }
    if (eol == len) {
        return LESSOR_PARSE_MORE;
    }
    if (eol + 1 < len) {
        *why = "data after the request line: send one request per connection";
        return LESSOR_PARSE_ERROR;
    }
    if (eol == 0) {
        *why = "empty request: " LEASE_USAGE;
        return LESSOR_PARSE_ERROR;
    }

    /* Split on single spaces; an empty field means a stray space */
    start = 0;
    for (i = 0; i <= eol; i++) {
        if (i < eol && buf[i] != ' ') {
            continue;
        }
        if (i == start) {
            *why = "fields must be separated by exactly one space, "
                   "with none at either end of the line";
            return LESSOR_PARSE_ERROR;
        }
        if (nfields == MAX_FIELDS) {
            break;
        }
        field[nfields] = buf + start;
        flen[nfields] = i - start;
        nfields++;
        start = i + 1;
    }

    memset(req, 0, sizeof(*req));
    if (field_is(field[0], flen[0], "LEASE")) {
        *why = check_version(field[1], flen[1], nfields >= 2);
        if (*why) {
            return LESSOR_PARSE_ERROR;
        }
        if (nfields < 3) {
            *why = "missing connector name: expected 'LEASE 1 <connector>'";
            return LESSOR_PARSE_ERROR;
        }
        if (nfields > 3) {
            *why = "too many fields: expected 'LEASE 1 <connector>'";
            return LESSOR_PARSE_ERROR;
        }
        if (!lessor_connector_name_valid(field[2], flen[2])) {
            *why = "bad connector name: use 1 to 32 characters of "
                   "A-Z, a-z, 0-9 and '-', such as HDMI-A-1";
            return LESSOR_PARSE_ERROR;
        }
        req->verb = LESSOR_VERB_LEASE;
        memcpy(req->connector, field[2], flen[2]);
        req->connector[flen[2]] = '\0';
        return LESSOR_PARSE_DONE;
    }
    if (field_is(field[0], flen[0], "LIST")) {
        *why = check_version(field[1], flen[1], nfields >= 2);
        if (*why) {
            return LESSOR_PARSE_ERROR;
        }
        if (nfields > 2) {
            *why = "too many fields: expected 'LIST 1'";
            return LESSOR_PARSE_ERROR;
        }
        req->verb = LESSOR_VERB_LIST;
        return LESSOR_PARSE_DONE;
    }
    *why = "unknown request: " LEASE_USAGE;
    return LESSOR_PARSE_ERROR;
}

const char *lessor_err_name(LessorErr code)
{
    static const char *const names[] = {
        [LESSOR_EPROTO] = "EPROTO",
        [LESSOR_EPERM] = "EPERM",
        [LESSOR_ENOENT] = "ENOENT",
        [LESSOR_EBUSY] = "EBUSY",
        [LESSOR_EIO] = "EIO",
        [LESSOR_EAGAIN] = "EAGAIN",
    };

    if ((unsigned)code >= sizeof(names) / sizeof(names[0])) {
        return NULL;
    }
    return names[code];
}

const char *lessor_conn_status_name(LessorConnStatus status)
{
    switch (status) {
    case LESSOR_CONN_CONNECTED:
        return "connected";
    case LESSOR_CONN_DISCONNECTED:
        return "disconnected";
    default:
        return "unknown";
    }
}

/* Check a snprintf() result: the whole line fitted in @size and the limit */
static int line_length(int n, size_t size)
{
    if (n < 0 || (size_t)n >= size || n > LESSOR_LINE_MAX) {
        return -1;
    }
    return n;
}

int lessor_format_ok(char *buf, size_t size, const LessorLeaseIds *ids)
{
    int n;

    if (ids->lessee_id == 0 || ids->connector_id == 0 ||
        ids->crtc_id == 0 || ids->plane_id == 0) {
        return -1;
    }
    n = snprintf(buf, size, "OK %u %u %u %u %u\n", ids->lessee_id,
                 ids->connector_id, ids->crtc_id, ids->plane_id,
                 ids->cursor_plane_id);
    return line_length(n, size);
}

int lessor_format_err(char *buf, size_t size, LessorErr code,
                      const char *fmt, ...)
{
    const char *name = lessor_err_name(code);
    size_t limit, len, i;
    va_list ap;
    int n;

    if (!name || size < 2) {
        return -1;
    }
    n = snprintf(buf, size, "ERR %s ", name);
    if (n < 0 || (size_t)n + 2 > size) {
        return -1;
    }
    /* Room for the message: the line limit and @size, minus "\n" and NUL */
    limit = size - 1 < LESSOR_LINE_MAX ? size - 1 : LESSOR_LINE_MAX;
    len = n;
    va_start(ap, fmt);
    n = vsnprintf(buf + len, limit - len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return -1;
    }
    len = strlen(buf);
    for (i = 0; i < len; i++) {
        if (buf[i] < 0x20 || buf[i] > 0x7e) {
            buf[i] = '?';
        }
    }
    /* Drop trailing blanks so the line never ends in a space */
    while (len > 0 && buf[len - 1] == ' ') {
        len--;
    }
    buf[len++] = '\n';
    buf[len] = '\0';
    return (int)len;
}

int lessor_format_connector(char *buf, size_t size, const char *name,
                            LessorConnStatus status, bool leased,
                            bool allowed)
{
    int n;

    if (!lessor_connector_name_valid(name, strlen(name))) {
        return -1;
    }
    n = snprintf(buf, size, "CONNECTOR %s %s %s %s\n", name,
                 lessor_conn_status_name(status),
                 leased ? "leased" : "free", allowed ? "allowed" : "denied");
    return line_length(n, size);
}

int lessor_format_end(char *buf, size_t size)
{
    return line_length(snprintf(buf, size, "END\n"), size);
}

int lessor_connector_name(char *buf, size_t size, const char *type_name,
                          uint32_t type, uint32_t type_id)
{
    int n;

    /* Leave room for "-<type_id>" (at most 11 characters) in the limit */
    if (type_name && type_name[0] &&
        lessor_connector_name_valid(type_name, strlen(type_name)) &&
        strlen(type_name) <= LESSOR_CONNECTOR_NAME_MAX - 11) {
        n = snprintf(buf, size, "%s-%u", type_name, type_id);
    } else {
        n = snprintf(buf, size, "Unknown%u-%u", type, type_id);
    }
    if (n < 0 || (size_t)n >= size) {
        return -1;
    }
    return n;
}
