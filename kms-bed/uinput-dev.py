#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A virtual keyboard and mouse through /dev/uinput, for the KMS bed.

Creates one evdev device with letter keys, both Ctrl keys, a left button
and relative X/Y, prints "UINPUT-READY /dev/input/eventN", then reads
commands from stdin, one per line, answering each with one line:

  key NAME...   press the keys in order, then release them in reverse
                (KEY_<NAME>: "key a", "key leftctrl rightctrl")
                -> "OK"
  move DX DY    a relative move -> "OK"
  grabbed       is someone holding an exclusive grab (EVIOCGRAB) on the
                device?  -> "GRAB busy" or "GRAB free"
  quit          destroy the device and exit -> "BYE"

Errors go to stderr, and the exit status is 1.
"""

import fcntl
import os
import struct
import sys
import time

EV_SYN, EV_KEY, EV_REL = 0, 1, 2
SYN_REPORT = 0
REL_X, REL_Y = 0, 1
BTN_LEFT = 0x110
KEYS = {
    'esc': 1, 'enter': 28, 'leftctrl': 29, 'rightctrl': 97, 'space': 57,
}
for _i, _c in enumerate('qwertyuiop'):
    KEYS[_c] = 16 + _i
for _i, _c in enumerate('asdfghjkl'):
    KEYS[_c] = 30 + _i
for _i, _c in enumerate('zxcvbnm'):
    KEYS[_c] = 44 + _i


def ioc(direction, kind, nr, size):
    return (direction << 30) | (size << 16) | (ord(kind) << 8) | nr


UI_SET_EVBIT = ioc(1, 'U', 100, 4)
UI_SET_KEYBIT = ioc(1, 'U', 101, 4)
UI_SET_RELBIT = ioc(1, 'U', 102, 4)
UI_DEV_SETUP = ioc(1, 'U', 3, 92)       # struct uinput_setup
UI_DEV_CREATE = ioc(0, 'U', 1, 0)
UI_DEV_DESTROY = ioc(0, 'U', 2, 0)
UI_GET_SYSNAME_64 = ioc(2, 'U', 44, 64)
EVIOCGRAB = ioc(1, 'E', 0x90, 4)


def fail(msg):
    sys.stderr.write('uinput-dev: %s\n' % msg)
    sys.exit(1)


def emit(fd, kind, code, value):
    # struct input_event: struct timeval, __u16 type, __u16 code, __s32
    os.write(fd, struct.pack('llHHi', 0, 0, kind, code, value))


def sync(fd):
    emit(fd, EV_SYN, SYN_REPORT, 0)


def create(name):
    try:
        fd = os.open('/dev/uinput', os.O_WRONLY | os.O_NONBLOCK)
    except OSError as e:
        fail('cannot open /dev/uinput: %s (is the uinput module loaded?)'
             % e.strerror)
    for ev in (EV_KEY, EV_REL):
        fcntl.ioctl(fd, UI_SET_EVBIT, ev)
    for code in sorted(KEYS.values()) + [BTN_LEFT]:
        fcntl.ioctl(fd, UI_SET_KEYBIT, code)
    for code in (REL_X, REL_Y):
        fcntl.ioctl(fd, UI_SET_RELBIT, code)
    # struct uinput_setup: struct input_id (bustype = BUS_VIRTUAL),
    # name[80], ff_effects_max
    setup = struct.pack('HHHH80sI', 0x06, 0x1234, 0x5678, 1,
                        name.encode(), 0)
    fcntl.ioctl(fd, UI_DEV_SETUP, setup)
    fcntl.ioctl(fd, UI_DEV_CREATE)
    sysname = fcntl.ioctl(fd, UI_GET_SYSNAME_64, bytes(64))
    sysname = sysname.split(b'\0')[0].decode()
    # its evdev node appears with the evdev handler: wait for it
    base = '/sys/class/input/%s' % sysname
    for _ in range(100):
        events = [n for n in os.listdir(base) if n.startswith('event')]
        if events and os.path.exists('/dev/input/' + events[0]):
            return fd, '/dev/input/' + events[0]
        time.sleep(0.05)
    fail('%s has no event node (is the evdev module loaded?)' % sysname)


def grabbed(path):
    probe = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        fcntl.ioctl(probe, EVIOCGRAB, 1)
    except OSError:
        return 'GRAB busy'
    finally:
        os.close(probe)         # closing drops our own grab
    return 'GRAB free'


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else 'kms-bed input'
    fd, path = create(name)
    print('UINPUT-READY %s' % path, flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == 'key':
            codes = []
            for w in words[1:]:
                if w not in KEYS:
                    fail('unknown key %s' % w)
                codes.append(KEYS[w])
            for code in codes:
                emit(fd, EV_KEY, code, 1)
                sync(fd)
            for code in reversed(codes):
                emit(fd, EV_KEY, code, 0)
                sync(fd)
            answer = 'OK'
        elif words[0] == 'move' and len(words) == 3:
            emit(fd, EV_REL, REL_X, int(words[1]))
            emit(fd, EV_REL, REL_Y, int(words[2]))
            sync(fd)
            answer = 'OK'
        elif words[0] == 'grabbed':
            answer = grabbed(path)
        elif words[0] == 'quit':
            break
        else:
            fail('unknown command: %s' % line.strip())
        print(answer, flush=True)
    fcntl.ioctl(fd, UI_DEV_DESTROY)
    os.close(fd)
    print('BYE', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
