#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A tiny guest without a guest: drive rcar-virt's virtio-gpu-device over
# the qtest protocol, so that a display backend can be tested without a
# kernel.
#
# Usage:
#   kms-bed/gpu-driver.py show --qemu BIN [--qemu-arg ARG ...] [--qmp SOCK]
#       [--qemu-log FILE]
#       [--gpu-id ID] [--max-outputs N] --head H:PATTERN:WxH [--head ...]
#       [--damage H:PATTERN:X,Y,W,H] [--hold]
#   kms-bed/gpu-driver.py hostile --qemu BIN [--qemu-arg ARG ...]
#   kms-bed/gpu-driver.py stream --qemu BIN [--qemu-arg ARG ...]
#       --size WxH --frames N [--in-place] [--settle SECS]
#
# QEMU is started as BIN -M rcar-virt -m 256 -accel qtest -qtest unix:SOCK
# -device virtio-gpu-device,... followed by the --qemu-arg list (give the
# values with '=' when they start with '-': --qemu-arg=-display).
#
# show    draws kms-pattern's pattern PATTERN (compare.pattern_pixel) into
#         one XRGB8888 resource per head, shows and flushes it, then
#         optionally redraws one rectangle of one head with another
#         pattern (a damage-tracking test).  Prints DRIVER-READY when the
#         frames are flushed; with --hold, keeps QEMU running until stdin
#         closes or SIGTERM.
# hostile sends bad requests, one TAP case each ("1..N", "ok N - name"),
#         checking the exact error, that QEMU still answers and that a
#         valid frame can still be shown afterwards.  Exit 0 iff all ok.
# stream  benchmark: two full-size resources, N rounds of set_scanout +
#         transfer + flush alternating between them (a guest that
#         page-flips).  With --in-place, one resource is transferred and flushed each
#         frame instead (a guest that redraws in place).  Prints
#         "STREAM frames=N seconds=S qemu_cpu=C" (C: QEMU's user+system
#         CPU seconds over the stream and SECS after it).

import argparse
import base64
import os
import random
import select
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402 (found through the path set just above)

# rcar-virt memory map
MMIO_BASE = 0x0a000000
MMIO_STRIDE = 0x200
MMIO_COUNT = 32
RAM_BASE = 0x40000000
RAM_MB = 256

# virtio-mmio registers (include/standard-headers/linux/virtio_mmio.h)
R_MAGIC = 0x000
R_VERSION = 0x004
R_DEVICE_ID = 0x008
R_DEV_FEATURES = 0x010
R_DEV_FEATURES_SEL = 0x014
R_DRV_FEATURES = 0x020
R_DRV_FEATURES_SEL = 0x024
R_QUEUE_SEL = 0x030
R_QUEUE_NUM_MAX = 0x034
R_QUEUE_NUM = 0x038
R_QUEUE_READY = 0x044
R_QUEUE_NOTIFY = 0x050
R_INT_STATUS = 0x060
R_INT_ACK = 0x064
R_STATUS = 0x070
R_QUEUE_DESC = 0x080
R_QUEUE_DRIVER = 0x090
R_QUEUE_DEVICE = 0x0a0
R_CONFIG = 0x100

MAGIC = 0x74726976
VIRTIO_ID_GPU = 16
S_ACKNOWLEDGE = 1
S_DRIVER = 2
S_DRIVER_OK = 4
S_FEATURES_OK = 8
S_NEEDS_RESET = 0x40
S_FAILED = 0x80
F_VERSION_1_HIGH = 1 << 0          # feature bit 32, in the upper word
F_RESOURCE_BLOB = 1 << 3           # VIRTIO_GPU_F_RESOURCE_BLOB

DESC_F_NEXT = 1
DESC_F_WRITE = 2

# virtio-gpu (include/standard-headers/linux/virtio_gpu.h)
CMD_GET_DISPLAY_INFO = 0x0100
CMD_RESOURCE_CREATE_2D = 0x0101
CMD_RESOURCE_UNREF = 0x0102
CMD_SET_SCANOUT = 0x0103
CMD_RESOURCE_FLUSH = 0x0104
CMD_TRANSFER_TO_HOST_2D = 0x0105
CMD_RESOURCE_ATTACH_BACKING = 0x0106
CMD_RESOURCE_DETACH_BACKING = 0x0107
CMD_RESOURCE_CREATE_BLOB = 0x010c
CMD_SET_SCANOUT_BLOB = 0x010d
CMD_UPDATE_CURSOR = 0x0300
CMD_MOVE_CURSOR = 0x0301

RESP_NAMES = {
    0x1100: 'OK_NODATA',
    0x1101: 'OK_DISPLAY_INFO',
    0x1200: 'ERR_UNSPEC',
    0x1201: 'ERR_OUT_OF_MEMORY',
    0x1202: 'ERR_INVALID_SCANOUT_ID',
    0x1203: 'ERR_INVALID_RESOURCE_ID',
    0x1204: 'ERR_INVALID_CONTEXT_ID',
    0x1205: 'ERR_INVALID_PARAMETER',
}
RESP = {name: code for code, name in RESP_NAMES.items()}

FORMAT_B8G8R8X8 = 2
BLOB_MEM_GUEST = 1
HDR_SIZE = 24
RESP_SLOT = 0x200                   # room for the display info (408 bytes)
MAX_SCANOUTS = 16

# guest memory layout, all inside the first 256 MiB of RAM
RING_AREA = RAM_BASE + 0x00010000   # queue q at + q * 0x4000
CMD_AREA = RAM_BASE + 0x00100000    # request bodies of one batch
RESP_AREA = RAM_BASE + 0x00400000   # one RESP_SLOT per request
BACKING_AREA = RAM_BASE + 0x01000000
RAM_END = RAM_BASE + RAM_MB * 0x100000

CHUNK = 192 * 1024                  # bytes per b64write
POLL_TIMEOUT = 10.0


def fail(msg):
    sys.stderr.write('gpu-driver: %s\n' % msg)
    sys.exit(2)


def log(msg):
    sys.stderr.write('gpu-driver: %s\n' % msg)
    sys.stderr.flush()


class QemuDied(Exception):
    pass


class DeviceBroken(Exception):
    """the device set DEVICE_NEEDS_RESET (virtio_error) or stopped answering"""


class Timeout(Exception):
    pass


# --------------------------------------------------------------------------
# QEMU and the qtest protocol

STARTED = []                        # every QTest, for main()'s clean-up


class QTest:
    def __init__(self, binary, devopts, extra, qmp=None, errpath=None,
                 stdin=None):
        self.result = None
        self.tmp = tempfile.mkdtemp(prefix='gpu-driver.')
        path = os.path.join(self.tmp, 'qtest.sock')
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(1)
        args = [binary, '-M', 'rcar-virt', '-m', str(RAM_MB),
                '-accel', 'qtest', '-qtest', 'unix:' + path,
                '-qtest-log', 'none',
                '-device', 'virtio-gpu-device' + devopts]
        if qmp:
            args += ['-qmp', 'unix:%s,server=on,wait=off' % qmp]
        args += extra
        self.errpath = errpath or os.path.join(self.tmp, 'qemu.err')
        self.errfile = open(self.errpath, 'wb')
        stdin_fd = (os.open(stdin, os.O_RDWR | os.O_NOCTTY) if stdin
                    else subprocess.DEVNULL)
        self.proc = subprocess.Popen(args, stdin=stdin_fd,
                                     stdout=self.errfile,
                                     stderr=self.errfile)
        if stdin:
            os.close(stdin_fd)
        STARTED.append(self)
        self.sock = None
        self.buf = b''
        self.listener.settimeout(0.2)
        deadline = time.monotonic() + 30
        while self.sock is None:
            try:
                self.sock, _ = self.listener.accept()
            except socket.timeout:
                if self.proc.poll() is not None:
                    self.died('before connecting to the qtest socket')
                if time.monotonic() > deadline:
                    self.close()
                    fail('QEMU did not connect to the qtest socket in 30s')
        self.sock.settimeout(None)

    def stderr_text(self):
        try:
            with open(self.errpath, 'rb') as f:
                return f.read().decode(errors='replace')
        except OSError:
            return ''

    def died(self, when):
        status = self.proc.wait()
        err = self.stderr_text().strip()
        raise QemuDied('QEMU exited %s with status %d%s'
                       % (when, status, ('; its stderr:\n' + err)
                          if err else ' and no stderr'))

    def close(self):
        """end QEMU (qtest has no quit): SIGTERM, then SIGKILL; returns
        (exit status, stderr); a second call returns the same"""
        if self.result is not None:
            return self.result
        if self.sock:
            self.sock.close()
            self.sock = None
        status = self.proc.poll()
        if status is None:
            self.proc.terminate()
            try:
                status = self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                status = self.proc.wait()
        self.errfile.close()
        self.listener.close()
        err = self.stderr_text()
        for name in os.listdir(self.tmp):
            os.unlink(os.path.join(self.tmp, name))
        os.rmdir(self.tmp)
        self.result = (status, err)
        return self.result

    def cmd(self, line):
        try:
            self.sock.sendall(line.encode() + b'\n')
            while True:
                nl = self.buf.find(b'\n')
                while nl < 0:
                    data = self.sock.recv(65536)
                    if not data:
                        self.died('during "%s"' % line.split(' ')[0])
                    self.buf += data
                    nl = self.buf.find(b'\n')
                reply = self.buf[:nl].decode()
                self.buf = self.buf[nl + 1:]
                if not reply.startswith('IRQ'):
                    break
        except OSError as e:
            if self.proc.poll() is not None:
                self.died('during "%s"' % line.split(' ')[0])
            raise QemuDied('qtest socket: %s' % e)
        if not reply.startswith('OK'):
            raise QemuDied('qtest "%s" answered "%s"' % (line[:40], reply))
        return reply[3:]

    def readl(self, addr):
        return int(self.cmd('readl 0x%x' % addr), 16)

    def readw(self, addr):
        return int(self.cmd('readw 0x%x' % addr), 16)

    def writel(self, addr, val):
        self.cmd('writel 0x%x 0x%x' % (addr, val))

    def writew(self, addr, val):
        self.cmd('writew 0x%x 0x%x' % (addr, val))

    def write(self, addr, data):
        for off in range(0, len(data), CHUNK):
            part = data[off:off + CHUNK]
            self.cmd('b64write 0x%x 0x%x %s'
                     % (addr + off, len(part),
                        base64.b64encode(part).decode()))

    def read(self, addr, size):
        return base64.b64decode(self.cmd('b64read 0x%x 0x%x' % (addr, size)))

    def memset(self, addr, size, val):
        self.cmd('memset 0x%x 0x%x 0x%x' % (addr, size, val))

    def alive(self):
        """a qtest round trip answers"""
        try:
            self.cmd('endianness')
            return True
        except QemuDied:
            return False


# --------------------------------------------------------------------------
# virtio-mmio transport and split virtqueues

class Queue:
    def __init__(self, index, size, base):
        self.index = index
        self.size = size
        self.desc = base
        self.avail = base + 0x1000
        self.used = base + 0x2000
        self.avail_idx = 0
        self.used_idx = 0


class Gpu:
    def __init__(self, qt, blob=False):
        self.qt = qt
        self.blob = blob
        self.base = None
        for i in range(MMIO_COUNT):
            base = MMIO_BASE + i * MMIO_STRIDE
            if (qt.readl(base + R_MAGIC) == MAGIC and
                    qt.readl(base + R_DEVICE_ID) == VIRTIO_ID_GPU):
                self.base = base
                break
        if self.base is None:
            fail('no virtio-gpu on any of the %d virtio-mmio transports'
                 % MMIO_COUNT)
        version = self.reg(R_VERSION)
        if version != 2:
            fail('transport at 0x%x is virtio-mmio version %d, not 2'
                 % (self.base, version))
        self.queues = []
        self.next_backing = BACKING_AREA
        self.init()

    def reg(self, off):
        return self.qt.readl(self.base + off)

    def setreg(self, off, val):
        self.qt.writel(self.base + off, val)

    def status(self):
        return self.reg(R_STATUS)

    def init(self):
        """reset, negotiate VIRTIO_F_VERSION_1 only, set up both queues"""
        self.setreg(R_STATUS, 0)
        if self.status() != 0:
            raise DeviceBroken('status is 0x%x after a reset' % self.status())
        self.setreg(R_STATUS, S_ACKNOWLEDGE)
        self.setreg(R_STATUS, S_ACKNOWLEDGE | S_DRIVER)
        self.setreg(R_DEV_FEATURES_SEL, 1)
        high = self.reg(R_DEV_FEATURES)
        self.setreg(R_DEV_FEATURES_SEL, 0)
        low = self.reg(R_DEV_FEATURES)
        if not high & F_VERSION_1_HIGH:
            fail('the device does not offer VIRTIO_F_VERSION_1 '
                 '(features 0x%08x%08x)' % (high, low))
        if self.blob and not low & F_RESOURCE_BLOB:
            fail('the device does not offer VIRTIO_GPU_F_RESOURCE_BLOB '
                 '(blob=true missing?)')
        self.setreg(R_DRV_FEATURES_SEL, 0)
        self.setreg(R_DRV_FEATURES, F_RESOURCE_BLOB if self.blob else 0)
        self.setreg(R_DRV_FEATURES_SEL, 1)
        self.setreg(R_DRV_FEATURES, F_VERSION_1_HIGH)
        self.setreg(R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK)
        if not self.status() & S_FEATURES_OK:
            fail('the device refused FEATURES_OK for VIRTIO_F_VERSION_1%s'
                 % (' and RESOURCE_BLOB' if self.blob else ''))
        self.queues = [self.setup_queue(0, 64), self.setup_queue(1, 16)]
        self.setreg(R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK |
                    S_DRIVER_OK)
        self.num_scanouts = self.reg(R_CONFIG + 8)

    def setup_queue(self, index, want):
        self.setreg(R_QUEUE_SEL, index)
        if self.reg(R_QUEUE_READY):
            fail('queue %d is ready before it was set up' % index)
        size = min(self.reg(R_QUEUE_NUM_MAX), want)
        if size < 2:
            fail('queue %d has QueueNumMax %d' % (index, size))
        q = Queue(index, size, RING_AREA + index * 0x4000)
        self.qt.memset(q.desc, 0x3000, 0)
        self.setreg(R_QUEUE_NUM, size)
        for reg, addr in ((R_QUEUE_DESC, q.desc), (R_QUEUE_DRIVER, q.avail),
                          (R_QUEUE_DEVICE, q.used)):
            self.setreg(reg, addr & 0xffffffff)
            self.setreg(reg + 4, addr >> 32)
        self.setreg(R_QUEUE_READY, 1)
        return q

    def submit(self, requests, queue=0, timeout=POLL_TIMEOUT):
        """send [(request bytes, response size), ...] as one batch; return
        the response types (None where the device wrote nothing)"""
        q = self.queues[queue]
        results = []
        per_batch = q.size // 2
        for first in range(0, len(requests), per_batch):
            results += self.submit_batch(q, requests[first:first + per_batch],
                                         timeout)
        return results

    def submit_batch(self, q, requests, timeout):
        cmds = b''
        descs = b''
        heads = []
        for i, (req, resp_size) in enumerate(requests):
            addr = CMD_AREA + len(cmds)
            cmds += req + bytes(-len(req) % 64)
            resp = RESP_AREA + i * RESP_SLOT
            descs += struct.pack('<QIHH', addr, len(req), DESC_F_NEXT,
                                 2 * i + 1)
            descs += struct.pack('<QIHH', resp, resp_size, DESC_F_WRITE, 0)
            heads.append(2 * i)
        if CMD_AREA + len(cmds) > RESP_AREA:
            fail('a batch of requests does not fit the command area')
        qt = self.qt
        qt.memset(RESP_AREA, len(requests) * RESP_SLOT, 0)
        qt.write(CMD_AREA, cmds)
        qt.write(q.desc, descs)
        ring = b''.join(struct.pack('<H', head) for head in heads)
        slot = q.avail_idx % q.size
        first = ring[:2 * (q.size - slot)]
        qt.write(q.avail + 4 + 2 * slot, first)
        if len(first) < len(ring):
            qt.write(q.avail + 4, ring[len(first):])
        q.avail_idx = (q.avail_idx + len(heads)) & 0xffff
        qt.writew(q.avail + 2, q.avail_idx)
        self.setreg(R_QUEUE_NOTIFY, q.index)
        self.wait_used(q, timeout)
        pending = self.reg(R_INT_STATUS)
        if pending:
            self.setreg(R_INT_ACK, pending)
        types = []
        data = qt.read(RESP_AREA, len(requests) * RESP_SLOT)
        for i in range(len(requests)):
            types.append(struct.unpack_from('<I', data, i * RESP_SLOT)[0]
                         or None)
        self.last_responses = data
        return types

    def submit_raw(self, descs, queue=0, timeout=2.0):
        """put hand-made descriptors [(addr, len, flags, next), ...] in the
        table and offer descriptor 0 as one request"""
        q = self.queues[queue]
        self.qt.write(q.desc, b''.join(struct.pack('<QIHH', *d)
                                       for d in descs))
        self.qt.write(q.avail + 4 + 2 * (q.avail_idx % q.size),
                      struct.pack('<H', 0))
        q.avail_idx = (q.avail_idx + 1) & 0xffff
        self.qt.writew(q.avail + 2, q.avail_idx)
        self.setreg(R_QUEUE_NOTIFY, q.index)
        self.wait_used(q, timeout)

    def wait_used(self, q, timeout):
        deadline = time.monotonic() + timeout
        pause = 0.0002
        while True:
            idx = self.qt.readw(q.used + 2)
            if idx == q.avail_idx:
                q.used_idx = idx
                return
            status = self.status()
            if status & (S_NEEDS_RESET | S_FAILED):
                raise DeviceBroken('device status 0x%x (DEVICE_NEEDS_RESET) '
                                   'with used index %d of %d'
                                   % (status, idx, q.avail_idx))
            if time.monotonic() > deadline:
                raise Timeout('queue %d: the used index stayed at %d, not %d,'
                              ' for %.0fs (status 0x%x)'
                              % (q.index, idx, q.avail_idx, timeout, status))
            time.sleep(pause)
            pause = min(pause * 2, 0.01)

    def alloc(self, size):
        addr = self.next_backing
        size = (size + 0xfff) & ~0xfff
        if addr + size > RAM_END:
            fail('out of guest memory for backing pages')
        self.next_backing += size
        return addr


# --------------------------------------------------------------------------
# virtio-gpu requests

def hdr(cmd_type):
    return struct.pack('<IIQIB3x', cmd_type, 0, 0, 0, 0)


def req_display_info():
    return hdr(CMD_GET_DISPLAY_INFO), 24 + MAX_SCANOUTS * 24


def req_create(rid, w, h, fmt=FORMAT_B8G8R8X8):
    return hdr(CMD_RESOURCE_CREATE_2D) + struct.pack('<IIII', rid, fmt,
                                                     w, h), HDR_SIZE


def req_unref(rid):
    return hdr(CMD_RESOURCE_UNREF) + struct.pack('<II', rid, 0), HDR_SIZE


def req_attach(rid, entries, nr=None):
    body = struct.pack('<II', rid, len(entries) if nr is None else nr)
    for addr, length in entries:
        body += struct.pack('<QII', addr, length, 0)
    return hdr(CMD_RESOURCE_ATTACH_BACKING) + body, HDR_SIZE


def req_create_blob(rid, entries, size):
    body = struct.pack('<IIIIQQ', rid, BLOB_MEM_GUEST, 0, len(entries), 0,
                       size)
    for addr, length in entries:
        body += struct.pack('<QII', addr, length, 0)
    return hdr(CMD_RESOURCE_CREATE_BLOB) + body, HDR_SIZE


def req_set_scanout_blob(sid, rid, w, h, stride):
    return (hdr(CMD_SET_SCANOUT_BLOB) +
            struct.pack('<IIIIIIIIII', 0, 0, w, h, sid, rid, w, h,
                        FORMAT_B8G8R8X8, 0) +
            struct.pack('<4I', stride, 0, 0, 0) +
            struct.pack('<4I', 0, 0, 0, 0), HDR_SIZE)


def req_detach(rid):
    return (hdr(CMD_RESOURCE_DETACH_BACKING) + struct.pack('<II', rid, 0),
            HDR_SIZE)


def req_set_scanout(sid, rid, x, y, w, h):
    return (hdr(CMD_SET_SCANOUT) + struct.pack('<IIIIII', x, y, w, h,
                                               sid, rid), HDR_SIZE)


def req_transfer(rid, x, y, w, h, offset):
    return (hdr(CMD_TRANSFER_TO_HOST_2D) +
            struct.pack('<IIIIQII', x, y, w, h, offset, rid, 0), HDR_SIZE)


def req_flush(rid, x, y, w, h):
    return (hdr(CMD_RESOURCE_FLUSH) + struct.pack('<IIIIII', x, y, w, h,
                                                  rid, 0), HDR_SIZE)


def req_cursor(cmd_type, sid, x, y, rid=0, hot_x=0, hot_y=0):
    return (hdr(cmd_type) + struct.pack('<IIII', sid, x, y, 0) +
            struct.pack('<IIII', rid, hot_x, hot_y, 0), HDR_SIZE)


def name(code):
    if code is None:
        return 'no response'
    return RESP_NAMES.get(code, '0x%x' % code)


class GpuError(Exception):
    pass


def expect(gpu, request, want='OK_NODATA', what=''):
    got = gpu.submit([request])[0]
    if got != RESP[want]:
        raise GpuError('%s: got %s, expected %s' % (what or 'request',
                                                    name(got), want))


# --------------------------------------------------------------------------
# pixels

def pixel_bytes(rgb):
    """XRGB8888 little-endian, i.e. bytes B, G, R, X"""
    return struct.pack('<I', rgb & 0xffffff)


def pattern_row(pid, y, x0, x1, w, h, cache):
    """row y of pattern pid (over a WxH image), columns x0..x1-1"""
    key = (pid, y in (0, h - 1), y * 4 // h, x0, x1, w, h)
    row = cache.get(key)
    if row is None:
        row = cache[key] = b''.join(
            pixel_bytes(compare.pattern_pixel(pid, x, y, w, h))
            for x in range(x0, x1))
    return row


def pattern_image(pid, w, h):
    cache = {}
    return b''.join(pattern_row(pid, y, 0, w, w, h, cache) for y in range(h))


class Resource:
    """a 2D XRGB8888 resource with contiguous backing, attached in
    1 MiB entries (so the device sees more than one)"""

    def __init__(self, gpu, rid, w, h):
        self.gpu, self.rid, self.w, self.h = gpu, rid, w, h
        self.stride = w * 4
        self.size = self.stride * h
        self.addr = gpu.alloc(self.size)
        # whole pages, as a guest's allocator gives (udmabufs need them)
        backing = (self.size + 0xfff) & ~0xfff
        entries = []
        for off in range(0, backing, 0x100000):
            entries.append((self.addr + off, min(0x100000, backing - off)))
        self.create(entries)

    def create(self, entries):
        expect(self.gpu, req_create(self.rid, self.w, self.h),
               what='resource_create_2d %d' % self.rid)
        expect(self.gpu, req_attach(self.rid, entries),
               what='attach_backing %d (%d entries)'
               % (self.rid, len(entries)))

    def draw(self, pid):
        self.gpu.qt.write(self.addr, pattern_image(pid, self.w, self.h))

    def draw_rect(self, pid, x, y, w, h):
        cache = {}
        for row in range(y, y + h):
            self.gpu.qt.write(self.addr + row * self.stride + x * 4,
                              pattern_row(pid, row, x, x + w,
                                          self.w, self.h, cache))

    def transfer(self, x=0, y=0, w=None, h=None):
        w = self.w if w is None else w
        h = self.h if h is None else h
        return req_transfer(self.rid, x, y, w, h, y * self.stride + x * 4)

    def flush(self, x=0, y=0, w=None, h=None):
        return req_flush(self.rid, x, y, self.w if w is None else w,
                         self.h if h is None else h)

    def scanout(self, sid):
        return req_set_scanout(sid, self.rid, 0, 0, self.w, self.h)

    def update(self, x=0, y=0, w=None, h=None):
        """make the drawing in guest memory the resource's picture"""
        return [self.transfer(x, y, w, h), self.flush(x, y, w, h)]

    def show(self, sid):
        types = self.gpu.submit([self.scanout(sid)] + self.update())
        what = ('set_scanout', 'transfer_to_host_2d', 'resource_flush')
        for t, w in zip(types, what):
            if t != RESP['OK_NODATA']:
                raise GpuError('%s of resource %d on head %d: %s'
                               % (w, self.rid, sid, name(t)))


class BlobResource(Resource):
    """the same picture as a guest-memory blob resource: the device
    reads guest memory itself (a udmabuf), nothing is transferred"""

    def create(self, entries):
        expect(self.gpu, req_create_blob(self.rid, entries, self.size),
               what='resource_create_blob %d (%d entries)'
               % (self.rid, len(entries)))

    def scanout(self, sid):
        return req_set_scanout_blob(sid, self.rid, self.w, self.h,
                                    self.stride)

    def update(self, x=0, y=0, w=None, h=None):
        return [self.flush(x, y, w, h)]

    def show(self, sid):
        types = self.gpu.submit([self.scanout(sid)] + self.update())
        what = ('set_scanout_blob', 'resource_flush')
        for t, w in zip(types, what):
            if t != RESP['OK_NODATA']:
                raise GpuError('%s of resource %d on head %d: %s'
                               % (w, self.rid, sid, name(t)))


def display_info(gpu):
    t = gpu.submit([req_display_info()])[0]
    if t != RESP['OK_DISPLAY_INFO']:
        raise GpuError('get_display_info: %s' % name(t))
    modes = []
    for i in range(MAX_SCANOUTS):
        _, _, w, h, enabled, _ = struct.unpack_from(
            '<IIIIII', gpu.last_responses, 24 + 24 * i)
        modes.append((enabled, w, h))
    return modes


# --------------------------------------------------------------------------
# show

def parse_size(text):
    w, h = text.lower().split('x')
    return int(w), int(h)


def parse_head(text):
    try:
        head, pid, size = text.split(':')
        w, h = parse_size(size)
        return int(head), int(pid), w, h
    except ValueError:
        fail('--head wants H:PATTERN:WxH, not %s' % text)


def parse_damage(text):
    try:
        head, pid, rect = text.split(':')
        x, y, w, h = (int(v) for v in rect.split(','))
        return int(head), int(pid), x, y, w, h
    except ValueError:
        fail('--damage wants H:PATTERN:X,Y,W,H, not %s' % text)


def start_qemu(args, max_outputs, qmp=None):
    devopts = ',max_outputs=%d' % max_outputs
    extra = []
    if getattr(args, 'gpu_id', None):
        devopts += ',id=' + args.gpu_id
    if getattr(args, 'blob', False):
        # blob resources are udmabufs: guest RAM must be a memfd
        devopts += ',blob=true'
        extra = ['-object', 'memory-backend-memfd,id=gpu-driver-ram,'
                 'size=%dM' % RAM_MB, '-machine',
                 'memory-backend=gpu-driver-ram']
    return QTest(args.qemu, devopts, extra + (args.qemu_arg or []), qmp,
                 getattr(args, 'qemu_log', None),
                 getattr(args, 'qemu_stdin', None))


def finish(qt, quiet=False):
    status, err = qt.close()
    if not quiet and status not in (0, -signal.SIGTERM):
        log('QEMU exited with status %d' % status)
        if err.strip():
            sys.stderr.write(err)
    return status


class Stop(Exception):
    pass


def on_signal(signum, frame):
    # once: a second signal must not interrupt the clean-up
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    raise Stop()


def hold():
    """until stdin closes or SIGTERM/SIGINT/SIGHUP (main() installs
    on_signal); with stdin /dev/null (a character device that is not a
    terminal), until the signal only"""
    try:
        st = os.fstat(sys.stdin.fileno())
        if stat.S_ISCHR(st.st_mode) and not os.isatty(sys.stdin.fileno()):
            while True:
                signal.pause()
        while True:
            ready, _, _ = select.select([sys.stdin], [], [])
            if ready and not os.read(sys.stdin.fileno(), 4096):
                return
    except Stop:
        return


CURSOR_RID = 90
CURSOR_HOT = 4


def show_cursor(gpu, text):
    """--cursor H:X,Y: a 64x64 pointer of pattern 3 on head H, its
    hotspot (CURSOR_HOT, CURSOR_HOT) at X,Y"""
    try:
        head, pos = text.split(':')
        x, y = (int(v) for v in pos.split(','))
        head = int(head)
    except ValueError:
        fail('--cursor wants H:X,Y, not %s' % text)
    cur = Resource(gpu, CURSOR_RID, 64, 64)
    cur.draw(3)
    expect(gpu, cur.transfer(), what='transfer of the cursor')
    # the cursor queue writes no responses
    gpu.submit([req_cursor(CMD_UPDATE_CURSOR, head, x, y, cur.rid,
                           CURSOR_HOT, CURSOR_HOT)], queue=1)


def cmd_show(args):
    heads = [parse_head(h) for h in args.head]
    if not heads:
        fail('show wants at least one --head')
    ids = [h[0] for h in heads]
    if len(set(ids)) != len(ids):
        fail('a head is given twice')
    max_outputs = args.max_outputs or max(ids) + 1
    qt = start_qemu(args, max_outputs, args.qmp)
    try:
        gpu = Gpu(qt, args.blob)
        modes = display_info(gpu)
        log('device has %d scanouts; display info: %s'
            % (gpu.num_scanouts,
               ', '.join('%d:%s%dx%d' % (i, '' if m[0] else 'off ',
                                         m[1], m[2])
                         for i, m in enumerate(modes[:max_outputs]))))
        resources = {}
        kind = BlobResource if args.blob else Resource
        for n, (head, pid, w, h) in enumerate(heads):
            res = kind(gpu, n + 1, w, h)
            res.draw(pid)
            res.show(head)
            resources[head] = res
        if args.damage:
            head, pid, x, y, w, h = parse_damage(args.damage)
            res = resources.get(head)
            if res is None:
                fail('--damage names head %d, which shows nothing' % head)
            if w <= 0 or h <= 0 or x + w > res.w or y + h > res.h:
                fail('--damage rectangle is outside the %dx%d resource'
                     % (res.w, res.h))
            res.draw_rect(pid, x, y, w, h)
            reqs = res.update(x, y, w, h)
            types = gpu.submit(reqs)
            if types != [RESP['OK_NODATA']] * len(reqs):
                raise GpuError('damage update: %s'
                               % ', '.join(name(t) for t in types))
        if args.cursor:
            show_cursor(gpu, args.cursor)
        print('DRIVER-READY', flush=True)
        if args.hold:
            hold()
            if not qt.alive():
                log('QEMU died while the frames were held')
                finish(qt)
                return 1
    except (QemuDied, GpuError, DeviceBroken, Timeout) as e:
        log(str(e))
        finish(qt)
        return 1
    status = finish(qt)
    return 0 if status in (0, -signal.SIGTERM) else 1


# --------------------------------------------------------------------------
# stream

def cpu_seconds(pid):
    """user + system CPU time of process pid, in seconds"""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    # fields[0] is the state, field 3; utime and stime are fields 14, 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def cmd_stream(args):
    w, h = parse_size(args.size)
    qt = start_qemu(args, 1)
    try:
        gpu = Gpu(qt, args.blob)
        kind = BlobResource if args.blob else Resource
        pair = [kind(gpu, 1, w, h), kind(gpu, 2, w, h)]
        pair[0].draw(1)
        pair[1].draw(2)
        if args.in_place:
            pair[0].show(0)
        cpu0 = cpu_seconds(qt.proc.pid)
        start = time.monotonic()
        for frame in range(args.frames):
            if args.in_place:
                reqs = pair[0].update()
                types = gpu.submit(reqs)
                if types != [RESP['OK_NODATA']] * len(reqs):
                    raise GpuError('in-place frame %d: %s'
                                   % (frame, [name(t) for t in types]))
            else:
                pair[frame % 2].show(0)
        seconds = time.monotonic() - start
        if args.settle:
            time.sleep(args.settle)     # let the last flips finish
        cpu = cpu_seconds(qt.proc.pid) - cpu0
    except (QemuDied, GpuError, DeviceBroken, Timeout) as e:
        log(str(e))
        finish(qt)
        return 1
    print('STREAM frames=%d seconds=%.3f qemu_cpu=%.3f'
          % (args.frames, seconds, cpu), flush=True)
    status = finish(qt)
    return 0 if status in (0, -signal.SIGTERM) else 1


# --------------------------------------------------------------------------
# hostile

class Case:
    """state shared by the hostile cases: fresh resource ids, a frame"""

    def __init__(self, gpu):
        self.gpu = gpu
        self.next_rid = 100
        self.notes = []

    def note(self, text):
        """a TAP diagnostic line printed after the case's result"""
        self.notes.append(text)

    def rid(self):
        self.next_rid += 1
        return self.next_rid

    def frame(self, w=64, h=48, head=0):
        res = Resource(self.gpu, self.rid(), w, h)
        res.draw(3)
        res.show(head)
        return res

    def one(self, request, queue=0):
        return self.gpu.submit([request], queue)[0]


def want(got, expected, what):
    if got != RESP[expected]:
        raise GpuError('%s: got %s, expected %s' % (what, name(got),
                                                    expected))


def h_scanout_rect_outside(c):
    res = c.frame()
    want(c.one(req_set_scanout(0, res.rid, 32, 0, 64, 48)),
         'ERR_INVALID_PARAMETER', 'set_scanout (32,0)+64x48 of 64x48')
    want(c.one(req_set_scanout(0, res.rid, 0xffffffff, 0xffffffff, 64, 48)),
         'ERR_INVALID_PARAMETER', 'set_scanout at (2^32-1, 2^32-1)')
    want(c.one(req_set_scanout(0, res.rid, 0, 0, 8, 8)),
         'ERR_INVALID_PARAMETER', 'set_scanout 8x8 (below 16x16)')


def h_scanout_id(c):
    res = c.frame()
    for sid in (2, 16, 0xffffffff):
        want(c.one(req_set_scanout(sid, res.rid, 0, 0, 64, 48)),
             'ERR_INVALID_SCANOUT_ID', 'set_scanout on scanout %d' % sid)


def h_create_bad(w, h, fmt, expected):
    def case(c):
        rid = c.rid()
        want(c.one(req_create(rid, w, h, fmt)), expected,
             'resource_create_2d %dx%d format %d' % (w, h, fmt))
        # it must not exist afterwards
        want(c.one(req_unref(rid)), 'ERR_INVALID_RESOURCE_ID',
             'unref of the refused resource')
    return case


def h_create_zero_width(c):
    """a 0-wide resource: QEMU accepts or refuses; if accepted it must
    be unusable as a scanout and removable"""
    rid = c.rid()
    got = c.one(req_create(rid, 0, 480))
    c.note('create 0x480 answered %s' % name(got))
    if got == RESP['OK_NODATA']:
        want(c.one(req_attach(rid, [(c.gpu.alloc(4096), 4096)])),
             'OK_NODATA', 'attach_backing to the 0x480 resource')
        want(c.one(req_set_scanout(0, rid, 0, 0, 0, 480)),
             'ERR_INVALID_PARAMETER', 'set_scanout of the 0x480 resource')
        want(c.one(req_unref(rid)), 'OK_NODATA', 'unref of 0x480')
    else:
        want(got, 'ERR_OUT_OF_MEMORY', 'resource_create_2d 0x480')


def h_create_zero_height(c):
    rid = c.rid()
    got = c.one(req_create(rid, 640, 0))
    c.note('create 640x0 answered %s' % name(got))
    if got == RESP['OK_NODATA']:
        want(c.one(req_set_scanout(0, rid, 0, 0, 640, 0)),
             'ERR_UNSPEC', 'set_scanout of 640x0 without backing')
        want(c.one(req_unref(rid)), 'OK_NODATA', 'unref of 640x0')
    else:
        want(got, 'ERR_OUT_OF_MEMORY', 'resource_create_2d 640x0')


def h_create_id0(c):
    want(c.one(req_create(0, 64, 48)), 'ERR_INVALID_RESOURCE_ID',
         'resource_create_2d id 0')


def h_transfer_outside(c):
    res = c.frame()
    for rect in ((60, 0, 8, 48), (0, 40, 64, 16), (0, 0, 65, 48),
                 (0xfffffff0, 0, 0x20, 48), (64, 48, 1, 1)):
        want(c.one(req_transfer(res.rid, rect[0], rect[1], rect[2], rect[3],
                                0)),
             'ERR_INVALID_PARAMETER', 'transfer %s of 64x48' % (rect,))
    # an offset past the backing reads nothing, and is accepted
    want(c.one(req_transfer(res.rid, 0, 0, 64, 48, 1 << 40)), 'OK_NODATA',
         'transfer with offset 2^40')


def h_flush_unknown(c):
    c.frame()
    want(c.one(req_flush(9999, 0, 0, 64, 48)), 'ERR_INVALID_RESOURCE_ID',
         'flush of resource 9999')
    want(c.one(req_flush(0, 0, 0, 64, 48)), 'ERR_INVALID_RESOURCE_ID',
         'flush of resource 0')


def h_attach_outside_ram(c):
    rid = c.rid()
    want(c.one(req_create(rid, 64, 48)), 'OK_NODATA', 'create')
    for addr in (RAM_END + 0x100000, 0xfffffffffffff000, 0x0):
        want(c.one(req_attach(rid, [(addr, 64 * 48 * 4)])), 'ERR_UNSPEC',
             'attach_backing at 0x%x' % addr)
    # entry starting in RAM and running past its end
    want(c.one(req_attach(rid, [(RAM_END - 4096, 64 * 48 * 4)])),
         'ERR_UNSPEC', 'attach_backing across the end of RAM')
    want(c.one(req_unref(rid)), 'OK_NODATA', 'unref')


def h_attach_many(c):
    rid = c.rid()
    want(c.one(req_create(rid, 64, 48)), 'OK_NODATA', 'create')
    want(c.one(req_attach(rid, [], nr=0xffffffff)), 'ERR_UNSPEC',
         'attach_backing nr_entries=2^32-1')
    want(c.one(req_attach(rid, [], nr=16385)), 'ERR_UNSPEC',
         'attach_backing nr_entries=16385')
    # within the limit, but the request holds only 2 of the entries
    page = c.gpu.alloc(8192)
    want(c.one(req_attach(rid, [(page, 4096), (page + 4096, 4096)],
                          nr=16384)),
         'ERR_UNSPEC', 'attach_backing nr_entries=16384 with 2 present')
    want(c.one(req_attach(rid, [(page, 4096), (page + 4096, 8192)])),
         'OK_NODATA', 'attach_backing of 2 valid entries')
    want(c.one(req_attach(rid, [(page, 4096)])), 'ERR_UNSPEC',
         'a second attach_backing')
    want(c.one(req_detach(rid)), 'OK_NODATA', 'detach_backing')
    want(c.one(req_detach(rid)), 'ERR_UNSPEC', 'detach without backing')
    want(c.one(req_unref(rid)), 'OK_NODATA', 'unref')


def h_flush_storm(c):
    res = c.frame(320, 240)
    reqs = [res.flush(i % 300, i % 200, 20, 40) for i in range(2000)]
    t0 = time.monotonic()
    types = c.gpu.submit(reqs)
    bad = [i for i, t in enumerate(types) if t != RESP['OK_NODATA']]
    if bad:
        raise GpuError('%d of 2000 flushes failed, the first (%d) with %s'
                       % (len(bad), bad[0], name(types[bad[0]])))
    c.note('2000 flushes answered OK_NODATA in %.2fs'
           % (time.monotonic() - t0))


def h_disable_after_flush(c):
    res = c.frame()
    types = c.gpu.submit([res.transfer(), res.flush(),
                          req_set_scanout(0, 0, 0, 0, 0, 0),
                          res.flush(),
                          res.scanout(0), res.flush()])
    for i, t in enumerate(types):
        if t != RESP['OK_NODATA']:
            raise GpuError('request %d of flush, disable, flush, enable, '
                           'flush: %s' % (i, name(t)))
    # disabling scanout 1 which shows nothing is fine as well
    want(c.one(req_set_scanout(1, 0, 0, 0, 0, 0)), 'OK_NODATA',
         'disable of an idle scanout')


def h_unref_on_scanout(c):
    """QEMU accepts it and disables the scanout"""
    res = c.frame()
    want(c.one(req_unref(res.rid)), 'OK_NODATA', 'unref of a shown resource')
    want(c.one(res.flush()), 'ERR_INVALID_RESOURCE_ID',
         'flush of the unref-ed resource')
    want(c.one(req_set_scanout(0, res.rid, 0, 0, 64, 48)),
         'ERR_INVALID_RESOURCE_ID', 'set_scanout of the unref-ed resource')


def h_truncated_header(c):
    c.frame()
    got = c.gpu.submit([(hdr(CMD_RESOURCE_FLUSH)[:8], HDR_SIZE)])[0]
    want(got, 'ERR_INVALID_PARAMETER', 'an 8-byte header')
    # header complete, body cut short
    got = c.gpu.submit([(req_create(c.rid(), 64, 48)[0][:30], HDR_SIZE)])[0]
    want(got, 'ERR_INVALID_PARAMETER', 'create_2d cut to 30 bytes')
    got = c.gpu.submit([(hdr(0x7777), HDR_SIZE)])[0]
    want(got, 'ERR_UNSPEC', 'an unknown command type')


def h_cursor(c):
    """cursor queue: a 64x64 cursor, moves, and a cursor on a bad
    scanout / unknown resource (ignored, no response written)"""
    res = c.frame()
    cur = Resource(c.gpu, c.rid(), 64, 64)
    cur.draw(5)
    want(c.one(cur.transfer()), 'OK_NODATA', 'cursor transfer')
    reqs = [req_cursor(CMD_UPDATE_CURSOR, 0, 10, 10, cur.rid, 1, 1),
            req_cursor(CMD_MOVE_CURSOR, 0, 20, 30),
            req_cursor(CMD_UPDATE_CURSOR, 7, 0, 0, cur.rid),
            req_cursor(CMD_UPDATE_CURSOR, 0, 0, 0, 9999),
            req_cursor(CMD_MOVE_CURSOR, 0xffffffff, 5, 5),
            req_cursor(CMD_UPDATE_CURSOR, 0, 0, 0, 0)]
    c.gpu.submit(reqs, queue=1)
    want(c.one(req_unref(cur.rid)), 'OK_NODATA', 'unref of the cursor')
    want(c.one(req_unref(res.rid)), 'OK_NODATA', 'unref of the frame')


def h_small_response(c):
    """a response buffer of 4 bytes: QEMU writes what fits"""
    c.frame()
    got = c.gpu.submit([(req_flush(9999, 0, 0, 1, 1)[0], 4)])[0]
    want(got, 'ERR_INVALID_RESOURCE_ID', 'the 4 bytes written')


def broken_by(descs, what):
    """a malformed descriptor chain: virtqueue_pop() calls virtio_error(),
    which sets DEVICE_NEEDS_RESET; the case then resets and re-initialises
    the device (QEMU must survive that)"""
    def case(c):
        req = req_flush(9999, 0, 0, 1, 1)[0]
        c.gpu.qt.write(CMD_AREA, req)
        try:
            c.gpu.submit_raw(descs(len(req)))
        except DeviceBroken as e:
            c.note('%s: %s' % (what, e))
            c.gpu.init()
            return
        except Timeout as e:
            raise GpuError('%s: neither answered nor DEVICE_NEEDS_RESET: %s'
                           % (what, e))
        raise GpuError('%s was answered' % what)
    return case


def next_out_of_range(size):
    return [(CMD_AREA, size, DESC_F_NEXT, 1000)]


def h_desc_outside_ram(c):
    """QEMU maps descriptors outside RAM through a bounce buffer: a
    request there reads as zeros (command type 0, answered ERR_UNSPEC) and
    a response there is dropped; the device keeps working"""
    c.frame()
    qt = c.gpu.qt
    for addr in (RAM_END + 0x1000000, 0x100000000, 0xfffffffff000):
        qt.memset(RESP_AREA, HDR_SIZE, 0xee)
        c.gpu.submit_raw([(addr, 40, DESC_F_NEXT, 1),
                          (RESP_AREA, HDR_SIZE, DESC_F_WRITE, 0)])
        got = struct.unpack('<I', qt.read(RESP_AREA, 4))[0]
        want(got, 'ERR_UNSPEC', 'request descriptor at 0x%x' % addr)
    req = req_flush(9999, 0, 0, 1, 1)[0]
    qt.write(CMD_AREA, req)
    c.gpu.submit_raw([(CMD_AREA, len(req), DESC_F_NEXT, 1),
                      (RAM_END + 0x1000000, HDR_SIZE, DESC_F_WRITE, 0)])
    c.note('request/response descriptors outside RAM: answered, not broken')


def desc_loop(size):
    return [(CMD_AREA, size, DESC_F_NEXT, 1),
            (RESP_AREA, HDR_SIZE, DESC_F_WRITE | DESC_F_NEXT, 0)]


CASES = [
    ('set_scanout rectangle outside the resource', h_scanout_rect_outside),
    ('set_scanout on scanout id >= max_outputs', h_scanout_id),
    ('resource_create_2d width 0', h_create_zero_width),
    ('resource_create_2d height 0', h_create_zero_height),
    ('resource_create_2d 65536x65536',
     h_create_bad(65536, 65536, FORMAT_B8G8R8X8, 'ERR_OUT_OF_MEMORY')),
    ('resource_create_2d 16384x16384 (over max_hostmem)',
     h_create_bad(16384, 16384, FORMAT_B8G8R8X8, 'ERR_OUT_OF_MEMORY')),
    ('resource_create_2d unknown format 999',
     h_create_bad(64, 48, 999, 'ERR_INVALID_PARAMETER')),
    ('resource_create_2d resource id 0', h_create_id0),
    ('transfer_to_host_2d rectangle outside the resource',
     h_transfer_outside),
    ('resource_flush of an unknown resource id', h_flush_unknown),
    ('attach_backing with addresses outside RAM', h_attach_outside_ram),
    ('attach_backing with nr_entries huge', h_attach_many),
    ('flush storm of 2000 flushes', h_flush_storm),
    ('set_scanout resource 0 right after a flush, then re-enable',
     h_disable_after_flush),
    ('resource_unref of a resource on a scanout (accepted, disables it)',
     h_unref_on_scanout),
    ('truncated request header', h_truncated_header),
    ('cursor queue: update/move, bad scanout and resource', h_cursor),
    ('response buffer shorter than the header', h_small_response),
    ('descriptor next index out of range (device needs reset, re-init)',
     broken_by(next_out_of_range, 'next=1000')),
    ('descriptor addresses outside RAM (read as zeros: ERR_UNSPEC)',
     h_desc_outside_ram),
    ('descriptor chain loop (device needs reset, re-init)',
     broken_by(desc_loop, 'descriptor loop')),
]


def refused(got, what):
    if got == RESP['OK_NODATA']:
        raise GpuError('%s: accepted' % what)


def h_blob_cursor_no_backing(c):
    """a blob created without backing entries has no mapping: as the
    cursor it crashed QEMU (SIGSEGV in update_cursor_data, patch 0010)"""
    c.frame()
    rid = c.rid()
    want(c.one(req_create_blob(rid, [], 64 * 64 * 4)), 'OK_NODATA',
         'create_blob without entries')
    c.gpu.submit([req_cursor(CMD_UPDATE_CURSOR, 0, 10, 10, rid, 1, 1),
                  req_cursor(CMD_MOVE_CURSOR, 0, 20, 20)], queue=1)
    refused(c.one(req_set_scanout_blob(0, rid, 64, 64, 256)),
            'set_scanout_blob of a blob without backing')
    want(c.one(req_unref(rid)), 'OK_NODATA', 'unref of the blob')


def h_blob_2d_scanout(c):
    """the 2D set_scanout naming a blob (no pixman image): it crashed
    QEMU (SIGSEGV in pixman_image_get_format, patch 0011)"""
    c.frame()
    blob = BlobResource(c.gpu, c.rid(), 64, 48)
    want(c.one(req_set_scanout(0, blob.rid, 0, 0, 64, 48)),
         'ERR_INVALID_PARAMETER', 'set_scanout of a blob')
    want(c.one(req_unref(blob.rid)), 'OK_NODATA', 'unref of the blob')


def h_blob_after_2d(c):
    """2D set_scanout, set_scanout_blob of another size on the same head,
    then 2D set_scanout again: the console freed the 2D surface when the
    dmabuf took over, and virtio-gpu read it (use after free, patch
    0013; needs a display that takes dmabufs, as -display kms)"""
    c.frame(64, 48)
    blob = BlobResource(c.gpu, c.rid(), 320, 200)
    blob.draw(5)
    blob.show(0)
    c.frame(64, 48)
    want(c.one(req_unref(blob.rid)), 'OK_NODATA', 'unref of the blob')


def h_blob_bad_scanout(c):
    """set_scanout_blob with a stride too small, a rectangle beyond the
    blob, an unknown format"""
    c.frame()
    blob = BlobResource(c.gpu, c.rid(), 64, 48)
    blob.draw(4)
    refused(c.one(req_set_scanout_blob(0, blob.rid, 64, 48, 16)),
            'stride 16 for 64 pixels')
    refused(c.one(req_set_scanout_blob(0, blob.rid, 64, 4800, 256)),
            'a 64x4800 scanout of a 64x48 blob')
    body = struct.pack('<IIIIIIIIII', 0, 0, 64, 48, 0, blob.rid, 64, 48,
                       999, 0) + struct.pack('<4I', 256, 0, 0, 0) + bytes(16)
    refused(c.one((hdr(CMD_SET_SCANOUT_BLOB) + body, HDR_SIZE)),
            'format 999')
    want(c.one(req_unref(blob.rid)), 'OK_NODATA', 'unref of the blob')


def h_blob_unref_on_scanout(c):
    """a blob scanned out (a dmabuf with -display kms), then unref-ed
    under the scanout, then a 2D frame"""
    c.frame()
    blob = BlobResource(c.gpu, c.rid(), 320, 200)
    blob.draw(5)
    blob.show(0)
    want(c.one(req_unref(blob.rid)), 'OK_NODATA', 'unref of the shown blob')


BLOB_CASES = [
    ('blob without backing as the cursor (crashed QEMU: patch 0010)',
     h_blob_cursor_no_backing),
    ('2D set_scanout of a blob (crashed QEMU: patch 0011)',
     h_blob_2d_scanout),
    ('2D, blob, 2D scanouts on one head (crashed QEMU: patch 0013)',
     h_blob_after_2d),
    ('set_scanout_blob: stride, size and format refused', h_blob_bad_scanout),
    ('blob unref-ed while scanned out', h_blob_unref_on_scanout),
]


def cmd_hostile(args):
    cases = CASES + (BLOB_CASES if args.blob else [])
    print('1..%d' % len(cases), flush=True)
    qt = start_qemu(args, 2)
    failed = 0
    try:
        gpu = Gpu(qt, args.blob)
        c = Case(gpu)
        c.frame()
    except (QemuDied, GpuError, DeviceBroken, Timeout) as e:
        log('setup: %s' % e)
        finish(qt)
        return 1
    for n, (title, func) in enumerate(cases, 1):
        why = None
        note = ''
        c.notes = []
        try:
            func(c)
        except DeviceBroken as e:
            note = ' (device broke: %s; reset and re-initialised)' % e
            log('%s: %s' % (title, note))
            try:
                gpu.init()
            except (QemuDied, DeviceBroken) as e2:
                why = 'reset failed: %s' % e2
        except (GpuError, Timeout) as e:
            why = str(e)
        except QemuDied as e:
            why = str(e).replace('\n', ' | ')
        if qt.proc.poll() is not None or not qt.alive():
            why = (why or '') + ' QEMU is dead'
            print('not ok %d - %s # %s' % (n, title, why.strip()), flush=True)
            failed += 1
            for m in range(n + 1, len(cases) + 1):
                print('not ok %d - %s # QEMU is dead' % (m, cases[m - 1][0]))
                failed += 1
            break
        if why is None:
            try:
                c.frame()
            except (GpuError, DeviceBroken, Timeout, QemuDied) as e:
                why = 'no frame afterwards: %s' % e
        if why is None:
            print('ok %d - %s%s' % (n, title, note))
        else:
            print('not ok %d - %s # %s' % (n, title, why))
            failed += 1
        for text in c.notes:
            print('# ' + text)
        sys.stdout.flush()
    status, err = qt.close()
    for line in err.splitlines():
        print('# QEMU stderr: ' + line)
    if status not in (0, -signal.SIGTERM):
        log('QEMU exited with status %d' % status)
        failed += 1
    return 1 if failed else 0


# --------------------------------------------------------------------------
# fuzz: seeded random requests, most of them well formed enough to reach
# the display (scanouts, flushes, cursors, blob scanouts), then a frame

SIZES = [0, 1, 2, 7, 63, 64, 65, 333, 640, 1024, 1920, 4096, 16384, 65535,
         0xffffffff]
FORMATS = [1, 2, 3, 4, 67, 68, 121, 134, 0, 5, 99, 0xffffffff]
SCANOUTS = [0, 0, 0, 1, 1, 2, 15, 16, 0xffffffff]
SCRATCH = BACKING_AREA + 0x04000000     # backing of fuzzed resources
SCRATCH_SIZE = 0x04000000


class Fuzz:
    def __init__(self, gpu, rng):
        self.gpu, self.rng = gpu, rng
        self.rids = [1]
        self.sizes = {}                 # rid: (w, h) as created
        self.counts = {}
        self.oks = {}
        self.kind = None

    def submit(self, requests, queue=0):
        types = self.gpu.submit(requests, queue)
        self.oks[self.kind] = (self.oks.get(self.kind, 0) +
                               types.count(RESP['OK_NODATA']))
        return types

    def pick(self, values):
        return self.rng.choice(values)

    def size(self):
        # mostly sizes a guest would use, some that it should not
        if self.rng.random() < 0.7:
            return self.rng.randint(1, 1280)
        return self.pick(SIZES)

    def rid(self):
        if self.rng.random() < 0.85 and self.rids:
            return self.pick(self.rids)
        return self.pick([0, 1, 999, 0xffffffff])

    def entries(self, size):
        """backing inside the scratch area, sometimes outside RAM"""
        out = []
        left = min(size, SCRATCH_SIZE)
        while left > 0 and len(out) < 16:
            n = min(left, self.rng.choice([4096, 0x10000, 0x100000]))
            off = self.rng.randrange(0, SCRATCH_SIZE - n + 1, 4096)
            addr = SCRATCH + off
            if self.rng.random() < 0.03:
                addr = self.pick([0, RAM_END, 0xfffffffffffff000])
            out.append((addr, n))
            left -= n
        return out

    def res_rect(self, rid):
        """a rectangle of resource rid, mostly inside it"""
        return self.rect(*self.sizes.get(rid, (None, None)))

    def rect(self, w=None, h=None):
        if w and h and self.rng.random() < 0.8:
            x, y = self.rng.randint(0, w - 1), self.rng.randint(0, h - 1)
            return (x, y, self.rng.randint(1, w - x), self.rng.randint(1, h - y))
        return (self.size(), self.size(), self.size(), self.size())

    def step(self):
        """one request or batch; returns its name"""
        g, r = self.gpu, self.rng
        kind = r.choices(
            ['create', 'blob', 'scanout', 'scanout_blob', 'transfer',
             'flush', 'storm', 'unref', 'disable', 'cursor', 'move'],
            [10, 6 if g.blob else 0, 12, 8 if g.blob else 0, 10,
             12, 3, 4, 3, 4, 6])[0]
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.kind = kind
        w, h = self.size(), self.size()
        if kind == 'create':
            rid = max(self.rids) + 1
            fmt = self.pick(FORMATS) if r.random() < 0.3 else FORMAT_B8G8R8X8
            self.sizes[rid] = (w, h)
            self.submit([req_create(rid, w, h, fmt)])
            self.submit([req_attach(rid, self.entries(min(w * h * 4,
                                                       1 << 26)))])
            self.rids.append(rid)
        elif kind == 'blob':
            rid = max(self.rids) + 1
            size = min(w * h * 4, 1 << 26)
            self.sizes[rid] = (w, h)
            # mostly whole pages: udmabufs are made of pages
            backing = size if r.random() < 0.1 else (size + 0xfff) & ~0xfff
            self.submit([req_create_blob(rid, self.entries(backing), size)])
            self.rids.append(rid)
        elif kind == 'scanout':
            rid = self.rid()
            self.submit([req_set_scanout(self.pick(SCANOUTS), rid,
                                         *self.res_rect(rid))])
        elif kind == 'scanout_blob':
            rid = self.rid()
            w, h = self.sizes.get(rid, (w, h))
            fmt = self.pick(FORMATS) if r.random() < 0.3 else FORMAT_B8G8R8X8
            body = struct.pack('<IIIIIIIIII', *self.rect(w, h),
                               self.pick(SCANOUTS), rid, w, h, fmt, 0)
            body += struct.pack('<4I', self.pick([w * 4, w * 4, 0, 3,
                                                  0xffffffff]), 0, 0, 0)
            body += struct.pack('<4I', self.pick([0, 0, 4096, 0xffffffff]),
                                0, 0, 0)
            self.submit([(hdr(CMD_SET_SCANOUT_BLOB) + body, HDR_SIZE)])
        elif kind == 'transfer':
            rid = self.rid()
            w, h = self.sizes.get(rid, (w, h))
            x, y, tw, th = self.rect(w, h)
            self.submit([req_transfer(rid, x, y, tw, th,
                                   self.pick([0, y * w * 4 + x * 4,
                                              0xffffffffffff]))])
        elif kind == 'flush':
            rid = self.rid()
            self.submit([req_flush(rid, *self.res_rect(rid))])
        elif kind == 'storm':
            rid = self.rid()
            self.submit([req_flush(rid, *self.res_rect(rid))
                         for _ in range(r.randint(8, 30))])
        elif kind == 'unref':
            rid = self.rid()
            self.submit([req_unref(rid)])
            if rid in self.rids and len(self.rids) > 1:
                self.rids.remove(rid)
        elif kind == 'disable':
            self.submit([req_set_scanout(self.pick(SCANOUTS), 0, 0, 0, 0, 0)])
        elif kind == 'cursor':
            self.submit([req_cursor(CMD_UPDATE_CURSOR, self.pick(SCANOUTS),
                                 self.size(), self.size(), self.rid(),
                                 r.randint(0, 70), r.randint(0, 70))],
                     queue=1)
        else:
            self.submit([req_cursor(CMD_MOVE_CURSOR, self.pick(SCANOUTS),
                                 self.pick([0, 100, 1023, 5000, -5 & 0xffffffff]),
                                 r.randint(0, 800))], queue=1)
        return kind


def cmd_fuzz(args):
    rng = random.Random(args.seed)
    qt = start_qemu(args, 2, args.qmp)
    try:
        gpu = Gpu(qt, args.blob)
        fz = Fuzz(gpu, rng)
        for n in range(args.steps):
            try:
                fz.step()
            except DeviceBroken as e:
                # the device may refuse a request by breaking: start over
                log('step %d: device broke (%s); reset' % (n, e))
                gpu.init()
                fz.rids = [1]
            if qt.proc.poll() is not None:
                raise QemuDied('QEMU died at step %d of seed %d'
                               % (n, args.seed))
        log('seed %d: %d steps (requests answered OK): %s'
            % (args.seed, args.steps, ', '.join(
                '%s %d (%d)' % (k, n, fz.oks.get(k, 0))
                for k, n in sorted(fz.counts.items()))))
        # afterwards the display must still show a frame right: a fresh
        # resource (id beyond the fuzzed ones) on head 0
        gpu.init()
        kind = BlobResource if args.blob else Resource
        w, h = parse_size(args.frame)
        res = kind(gpu, 100000, w, h)
        res.draw(args.pattern)
        res.show(0)
        print('DRIVER-READY', flush=True)
        if args.hold:
            hold()
            if not qt.alive():
                log('QEMU died while the frame was held')
                finish(qt)
                return 1
    except (QemuDied, GpuError, DeviceBroken, Timeout) as e:
        log('seed %d: %s' % (args.seed, e))
        finish(qt)
        return 1
    status = finish(qt)
    return 0 if status in (0, -signal.SIGTERM) else 1


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(
        description='drive a virtio-gpu-device over qtest')
    sub = ap.add_subparsers(dest='command', required=True)

    def common(p):
        p.add_argument('--qemu', required=True, help='QEMU binary')
        p.add_argument('--qemu-arg', action='append', metavar='ARG',
                       help='one more QEMU argument (repeatable)')
        p.add_argument('--gpu-id', help='qdev id of the virtio-gpu-device')
        p.add_argument('--qemu-stdin', metavar='FILE',
                       help="QEMU's stdin (e.g. a VT); default /dev/null")
        p.add_argument('--qemu-log', metavar='FILE',
                       help="QEMU's stdout and stderr go here")

    p = sub.add_parser('show', help='show patterns on heads')
    common(p)
    p.add_argument('--qmp', help='also give QEMU a QMP socket here')
    p.add_argument('--head', action='append', default=[],
                   metavar='H:PATTERN:WxH')
    p.add_argument('--damage', metavar='H:PATTERN:X,Y,W,H')
    p.add_argument('--cursor', metavar='H:X,Y',
                   help='a 64x64 pointer with its hotspot at X,Y of head H')
    p.add_argument('--max-outputs', type=int)
    p.add_argument('--blob', action='store_true',
                   help='blob resources in guest memory (blob=true, a '
                   'memfd for RAM): dmabuf scanouts')
    p.add_argument('--hold', action='store_true',
                   help='keep QEMU until stdin closes or SIGTERM')
    p = sub.add_parser('hostile', help='bad requests, TAP output')
    common(p)
    p.add_argument('--blob', action='store_true',
                   help='also the blob cases (blob=true, memfd RAM)')
    p = sub.add_parser('fuzz', help='seeded random requests, then a frame')
    common(p)
    p.add_argument('--seed', type=int, required=True)
    p.add_argument('--steps', type=int, default=300)
    p.add_argument('--blob', action='store_true',
                   help='blob resources too (blob=true, memfd RAM)')
    p.add_argument('--frame', default='1024x768', metavar='WxH',
                   help='the frame shown on head 0 afterwards')
    p.add_argument('--pattern', type=int, default=2)
    p.add_argument('--qmp', help='also give QEMU a QMP socket here')
    p.add_argument('--hold', action='store_true',
                   help='keep QEMU until stdin closes or SIGTERM')
    p = sub.add_parser('stream', help='full-screen frame benchmark')
    common(p)
    p.add_argument('--size', required=True, metavar='WxH')
    p.add_argument('--frames', type=int, required=True)
    p.add_argument('--in-place', action='store_true',
                   help='one resource, transfer + flush per frame (no '
                   'set_scanout): a guest redrawing in place')
    p.add_argument('--blob', action='store_true',
                   help='blob resources in guest memory (as for show)')
    p.add_argument('--settle', type=float, default=0, metavar='SECS',
                   help='wait this long after the last frame before '
                   "reading QEMU's CPU time")
    args = ap.parse_args()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    try:
        return {'show': cmd_show, 'hostile': cmd_hostile,
                'stream': cmd_stream, 'fuzz': cmd_fuzz}[args.command](args)
    except QemuDied as e:
        log(str(e))
        return 1
    except Stop:
        log('stopped by a signal')
        return 1
    finally:
        # never leave a QEMU behind, whatever happened
        for qt in STARTED:
            qt.close()


if __name__ == '__main__':
    sys.exit(main())
