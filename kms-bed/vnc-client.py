#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A VNC client for benchmarks: connect to QEMU's VNC server on a unix
# socket, ask for raw updates without end, and count them, so that the
# server does the work it does for a real viewer.
#
# Usage: kms-bed/vnc-client.py SOCKET
#
# Waits up to 60 s for SOCKET.  On EOF or SIGTERM prints
# "VNC updates=N rects=R bytes=B" and exits 0.

import signal
import socket
import struct
import sys
import time


class Done(Exception):
    pass


def on_term(signum, frame):
    raise Done()


def main():
    if len(sys.argv) != 2:
        sys.stderr.write('usage: vnc-client.py SOCKET\n')
        return 2
    signal.signal(signal.SIGTERM, on_term)
    updates = rects = nbytes = 0
    try:
        s = connect(sys.argv[1])
        f = s.makefile('rb')

        def read(n):
            data = f.read(n)
            if len(data) != n:
                raise Done()
            return data

        read(12)                                # "RFB 003.008\n"
        s.sendall(b'RFB 003.008\n')
        ntypes = read(1)[0]
        if 1 not in read(ntypes):
            sys.stderr.write('vnc-client: the server wants a password\n')
            return 1
        s.sendall(b'\x01')                      # security: none
        if struct.unpack('>I', read(4))[0]:
            sys.stderr.write('vnc-client: security handshake failed\n')
            return 1
        s.sendall(b'\x01')                      # ClientInit, shared
        w, h, pf = struct.unpack('>HH16s', read(20))
        bpp = pf[0] // 8
        read(struct.unpack('>I', read(4))[0])   # the desktop's name
        # SetEncodings: raw, DesktopSize
        s.sendall(struct.pack('>BxHii', 2, 2, 0, -223))
        while True:
            s.sendall(struct.pack('>BBHHHH', 3, 1, 0, 0, w, h))
            kind = read(1)[0]
            if kind == 0:                       # FramebufferUpdate
                n = struct.unpack('>xH', read(3))[0]
                for _ in range(n):
                    x, y, rw, rh, enc = struct.unpack('>HHHHi', read(12))
                    rects += 1
                    if enc == 0:
                        read(rw * rh * bpp)
                        nbytes += rw * rh * bpp
                    elif enc == -223:
                        w, h = rw, rh
                    else:
                        sys.stderr.write('vnc-client: encoding %d\n' % enc)
                        return 1
                updates += 1
            elif kind == 1:                     # SetColourMapEntries
                n = struct.unpack('>xHH', read(5))[1]
                read(6 * n)
            elif kind == 2:                     # Bell
                pass
            elif kind == 3:                     # ServerCutText
                read(struct.unpack('>3xI', read(7))[0])
            else:
                sys.stderr.write('vnc-client: message %d\n' % kind)
                return 1
    except (Done, OSError):
        pass
    print('VNC updates=%d rects=%d bytes=%d' % (updates, rects, nbytes),
          flush=True)
    return 0


def connect(path):
    deadline = time.monotonic() + 60
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


if __name__ == '__main__':
    sys.exit(main())
