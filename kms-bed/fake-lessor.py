#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A misbehaving lessor, for testing -display kms,lease= against hostile or
# broken replies (docs/LESSOR.md is the real protocol).
#
# Usage: kms-bed/fake-lessor.py SOCKET BEHAVIOUR
#
# Listens on SOCKET, takes one connection, reads the request line, then:
#   close        closes without a reply
#   garbage      replies "garbage\n"
#   long         sends 300 bytes with no newline, then waits
#   nofd         replies "OK 1 2 3 4 0\n" without a file descriptor
#   err          replies "ERR EBUSY connector busy (fake)\n"
#   half         sends "OK 1 2" and closes
#   notdrm       replies "OK 1 2 3 4 0\n" with /dev/null as the lease
#   twofds       the same with two fds (/dev/null twice)
#   nul          replies "OK 1\0 2 3 4 0\n" with /dev/null
#   silent       never replies
# and then waits for the client to close (at most 30 s).  Prints
# "REQUEST <line>" with what it was asked.

import array
import os
import socket
import sys

BEHAVIOURS = ('close', 'garbage', 'long', 'nofd', 'err', 'half', 'notdrm',
              'twofds', 'nul', 'silent')


def send_fds(conn, data, fds):
    conn.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                           array.array('i', fds))])


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in BEHAVIOURS:
        sys.stderr.write('usage: fake-lessor.py SOCKET %s\n'
                         % '|'.join(BEHAVIOURS))
        return 2
    path, how = sys.argv[1:]
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(30)
    conn, _ = srv.accept()
    conn.settimeout(30)
    request = b''
    while not request.endswith(b'\n') and len(request) < 256:
        chunk = conn.recv(256)
        if not chunk:
            break
        request += chunk
    print('REQUEST %s' % request.decode(errors='replace').strip(),
          flush=True)
    null = os.open('/dev/null', os.O_RDWR)
    if how == 'garbage':
        conn.sendall(b'garbage\n')
    elif how == 'long':
        conn.sendall(b'x' * 300)
    elif how == 'nofd':
        conn.sendall(b'OK 1 2 3 4 0\n')
    elif how == 'err':
        conn.sendall(b'ERR EBUSY connector busy (fake)\n')
    elif how == 'half':
        conn.sendall(b'OK 1 2')
    elif how == 'notdrm':
        send_fds(conn, b'OK 1 2 3 4 0\n', [null])
    elif how == 'twofds':
        send_fds(conn, b'OK 1 2 3 4 0\n', [null, null])
    elif how == 'nul':
        send_fds(conn, b'OK 1\0 2 3 4 0\n', [null])
    if how not in ('close', 'half'):
        try:
            conn.recv(1)            # until the client closes
        except (socket.timeout, OSError):
            pass
    conn.close()
    srv.close()
    os.unlink(path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
