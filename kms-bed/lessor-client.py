#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A raw client of kms-lessord's socket for the KMS test bed.

Runs inside the bed (the host root's /usr/bin/python3), called by
kms-bed/scenarios/lease.sh:

  lessor-client.py list SOCK
      send "LIST 1", print the reply as it came; exit 0 if it ended
      with "END" and EOF, 1 otherwise
  lessor-client.py reuse SOCK
      client A leases Virtual-1, closes its lease fd and stays connected;
      client B leases Virtual-2; A disconnects, so the daemon revokes A's
      lease: B's lease must still hold its objects (DRM_IOCTL_MODE_GET_LEASE
      on B's fd), whatever lessee IDs the kernel handed out.  Prints one
      "PASS|FAIL lessee-id-reuse WHY" line
  lessor-client.py hostile SOCK FREE_SLOTS
      misbehave against the daemon (garbage, an over-long line, a half
      request then a disconnect or a half-close, a connection that sends
      nothing, 70 connections at once, FREE_SLOTS being the daemon's
      connection slots not held by leased clients) and print one line
      "PASS|FAIL CHECK [WHY]" per check

docs/LESSOR.md is the protocol.
"""

import fcntl
import os
import select
import socket
import struct
import sys
import time

MAX_CLIENTS = 64        # kms-lessord's connection limit
REQUEST_TIMEOUT = 5.0   # and its request timeout, in seconds
PARALLEL = 70

# DRM_IOWR(0xC8, struct drm_mode_get_lease): u32 count_objects, u32 pad,
# u64 objects_ptr
DRM_IOCTL_MODE_GET_LEASE = 0xC01064C8


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # Blocking: a full backlog makes a non-blocking connect fail
    s.connect(path)
    s.settimeout(15)
    return s


def send(s, data):
    """Send DATA; False if the daemon has closed already"""
    try:
        s.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False


def read_all(s, limit=65536):
    """Everything until EOF (or the socket's timeout), as text"""
    data = b''
    try:
        while len(data) < limit:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return data.decode('ascii', 'replace')


def cmd_list(path):
    s = connect(path)
    send(s, b'LIST 1\n')
    reply = read_all(s)
    s.close()
    sys.stdout.write(reply)
    return 0 if reply.endswith('END\n') else 1


def lease(path, connector):
    """LEASE CONNECTOR: (socket, reply line, lease fd or -1)"""
    s = connect(path)
    send(s, b'LEASE 1 %s\n' % connector.encode())
    data = b''
    fd = -1
    while b'\n' not in data:
        msg, fds, _, _ = socket.recv_fds(s, 256, 1)
        for extra in fds[1:]:
            os.close(extra)
        if fds and fd < 0:
            fd = fds[0]
        if not msg:
            break
        data += msg
    return s, data.decode('ascii', 'replace').strip(), fd


def lease_objects(fd):
    """How many objects the lease fd FD holds (0 once revoked)"""
    arg = fcntl.ioctl(fd, DRM_IOCTL_MODE_GET_LEASE,
                      struct.pack('IIQ', 0, 0, 0))
    return struct.unpack('IIQ', arg)[0]


def cmd_reuse(path):
    a, a_line, a_fd = lease(path, 'Virtual-1')
    if a_fd < 0:
        print('FAIL lessee-id-reuse A got %r' % a_line)
        return 1
    # A gives its lease up but keeps the connection
    os.close(a_fd)
    b, b_line, b_fd = lease(path, 'Virtual-2')
    if b_fd < 0:
        print('FAIL lessee-id-reuse B got %r' % b_line)
        return 1
    before = lease_objects(b_fd)
    a.close()
    # A barrier: the daemon saw A's EOF before it accepts this one
    c = connect(path)
    send(c, b'LIST 1\n')
    listed = read_all(c)
    c.close()
    after = lease_objects(b_fd)
    os.close(b_fd)
    b.close()
    ok = before > 0 and after == before and \
        'CONNECTOR Virtual-1 connected free ' in listed
    print('%s lessee-id-reuse A: %s, B: %s; B holds %d objects before A '
          'disconnects, %d after' % ('PASS' if ok else 'FAIL', a_line,
                                      b_line, before, after))
    return 0 if ok else 1


class Hostile:
    def __init__(self, path, free_slots):
        self.path = path
        self.free_slots = free_slots
        self.failed = False

    def result(self, ok, check, why=''):
        print('%s %s %s' % ('PASS' if ok else 'FAIL', check, why), flush=True)
        self.failed |= not ok

    def expect_err(self, check, data, code, shut=False):
        """Send DATA (then half-close if SHUT): want "ERR CODE ..." and EOF"""
        s = connect(self.path)
        send(s, data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        reply = read_all(s)
        s.close()
        lines = reply.split('\n')
        ok = (len(lines) == 2 and lines[1] == '' and
              lines[0].startswith('ERR %s ' % code))
        self.result(ok, check, 'reply %r' % reply)

    def parallel(self):
        """PARALLEL connections at once: the ones over the limit get
        ERR EAGAIN at once, every other one answers LIST"""
        want_busy = max(PARALLEL - self.free_slots, 0)
        conns = []
        try:
            for _ in range(PARALLEL):
                conns.append(connect(self.path))
        except OSError as e:
            self.result(False, 'parallel-%d' % PARALLEL,
                        'connection %d failed: %s' % (len(conns) + 1, e))
            for s in conns:
                s.close()
            return
        # The refused ones have their ERR waiting; give the daemon time
        # to accept all, less than its request timeout
        busy = []
        end = time.monotonic() + 3
        while time.monotonic() < end:
            busy = select.select(conns, [], [], 0.2)[0]
            if len(busy) >= want_busy:
                time.sleep(0.3)
                busy = select.select(conns, [], [], 0)[0]
                break
        n_busy = n_listed = 0
        odd = []
        for s in conns:
            if s not in busy:
                send(s, b'LIST 1\n')
        for s in conns:
            reply = read_all(s)
            s.close()
            if s in busy and reply.startswith('ERR EAGAIN ') and \
               reply.count('\n') == 1 and reply.endswith('\n'):
                n_busy += 1
            elif s not in busy and reply.startswith('CONNECTOR ') and \
                    reply.endswith('\nEND\n'):
                n_listed += 1
            else:
                odd.append(reply)
        ok = n_busy == want_busy and n_listed == PARALLEL - want_busy
        why = ('%d refused with ERR EAGAIN (want %d), %d answered LIST'
               % (n_busy, want_busy, n_listed))
        if odd:
            why += ', %d other replies, the first %r' % (len(odd), odd[0])
        self.result(ok, 'parallel-%d' % PARALLEL, why)

    def run(self):
        # Silent from the start: its timeout runs while the others do
        silent = connect(self.path)
        start = time.monotonic()

        self.expect_err('garbage', bytes(range(256)), 'EPROTO')
        self.expect_err('over-long-line',
                        b'LEASE 1 ' + b'A' * 400 + b'\n', 'EPROTO')
        s = connect(self.path)
        send(s, b'LEASE 1 Virt')
        s.close()
        s = connect(self.path)
        send(s, b'LIST 1\n')
        reply = read_all(s)
        s.close()
        self.result(reply.endswith('\nEND\n'), 'half-request-disconnect',
                    'then LIST: %r' % reply[-40:])
        self.expect_err('half-request-shutdown', b'LEASE 1 Virt', 'EPROTO',
                        shut=True)

        reply = read_all(silent)
        took = time.monotonic() - start
        silent.close()
        ok = (reply == 'ERR EPROTO request timeout\n' and
              REQUEST_TIMEOUT - 0.5 <= took <= REQUEST_TIMEOUT + 5)
        self.result(ok, 'silent-timeout',
                    'reply %r after %.1f s' % (reply, took))

        self.parallel()
        return 1 if self.failed else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == 'list':
        return cmd_list(sys.argv[2])
    if len(sys.argv) == 3 and sys.argv[1] == 'reuse':
        return cmd_reuse(sys.argv[2])
    if len(sys.argv) == 4 and sys.argv[1] == 'hostile':
        return Hostile(sys.argv[2], int(sys.argv[3])).run()
    sys.stderr.write('usage: lessor-client.py list SOCK\n'
                     '       lessor-client.py reuse SOCK\n'
                     '       lessor-client.py hostile SOCK FREE_SLOTS\n')
    return 2


if __name__ == '__main__':
    sys.exit(main())
