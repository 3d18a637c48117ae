#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Check a screendump (binary PPM) against kms-pattern's test pattern, pixel
# for pixel.
#
# Usage: kms-bed/compare.py PPM PATTERN_ID WIDTH HEIGHT [--rect X,Y,RW,RH:B]
#        kms-bed/compare.py PPM PATTERN_ID WIDTH HEIGHT --at X,Y:SWxSH
#
# With --rect, the rectangle at (X,Y) of RWxRH must show pattern B instead
# (B's pixels for those coordinates, B computed over the whole WIDTHxHEIGHT):
# what a guest that redrew and flushed only that rectangle leaves behind.
# With --at, the screen is SWxSH, black but for the WIDTHxHEIGHT pattern
# with its top left corner at (X,Y): a smaller picture centred on a mode.
#
# pattern_pixel() is kms-pattern.c's, and must stay identical to it.
# Prints one line: "match" or how many pixels differ and the first one;
# exits 0 on a match, 1 on a mismatch, 2 if the file cannot be read.
# scripts/kms-bed.sh's watcher (kms-bed/watch.py) imports compare().

import sys

PALETTE = (0xff0000, 0x00ff00, 0x0000ff, 0xffff00,
           0x00ffff, 0xff00ff, 0x808080, 0xff8000)


def pattern_pixel(pid, x, y, w, h):
    if x == 0 or y == 0 or x == w - 1 or y == h - 1:
        return 0xffffff
    return PALETTE[(x * 8 // w + y * 4 // h + pid) % 8]


def read_ppm(path):
    """(width, height, RGB bytes) of a binary PPM with maxval 255"""
    with open(path, 'rb') as f:
        data = f.read()
    fields = []
    pos = 0
    while len(fields) < 4:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b'#':
            pos = data.index(b'\n', pos)
            continue
        end = pos
        while end < len(data) and not data[end:end + 1].isspace():
            end += 1
        if end == pos:
            raise ValueError('truncated PPM header')
        fields.append(data[pos:end])
        pos = end
    pos += 1                    # the one whitespace byte after maxval
    if fields[0] != b'P6' or fields[3] != b'255':
        raise ValueError('not a binary PPM with maxval 255 (%s, %s)'
                         % (fields[0].decode(errors='replace'),
                            fields[3].decode(errors='replace')))
    w, h = int(fields[1]), int(fields[2])
    pixels = data[pos:]
    if len(pixels) != w * h * 3:
        raise ValueError('%dx%d PPM has %d bytes of pixels, not %d'
                         % (w, h, len(pixels), w * h * 3))
    return w, h, pixels


def expected_row(pid, y, w, h):
    return b''.join(pattern_pixel(pid, x, y, w, h).to_bytes(3, 'big')
                    for x in range(w))


def patched_row(pid, y, w, h, rect):
    """expected_row() with rect = (x, y, rw, rh, pid_b) drawn over it"""
    row = expected_row(pid, y, w, h)
    if rect is None:
        return row
    rx, ry, rw, rh, pid_b = rect
    if not ry <= y < ry + rh:
        return row
    inside = b''.join(pattern_pixel(pid_b, x, y, w, h).to_bytes(3, 'big')
                      for x in range(rx, rx + rw))
    return row[:rx * 3] + inside + row[(rx + rw) * 3:]


def placed_row(pid, y, w, h, at):
    """A row of an at = (x, y, sw, sh) screen: black, the pattern inside"""
    ax, ay, sw, _ = at
    if not ay <= y < ay + h:
        return bytes(sw * 3)
    return (bytes(ax * 3) + expected_row(pid, y - ay, w, h) +
            bytes((sw - ax - w) * 3))


def compare(path, pid, w, h, rect=None, at=None):
    """(True, 'match') or (False, why); rect is None or
    (x, y, width, height, pattern) that must show that pattern instead;
    at is None or (x, y, screen width, screen height)"""
    try:
        gw, gh, pixels = read_ppm(path)
    except (OSError, ValueError) as e:
        return False, 'cannot read %s: %s' % (path, e)
    if at is not None:
        if at[0] < 0 or at[1] < 0 or at[0] + w > at[2] or at[1] + h > at[3]:
            return False, '%dx%d at %r does not fit' % (w, h, at)
        if (gw, gh) != at[2:]:
            return False, 'the screen is %dx%d, not %dx%d' % ((gw, gh) +
                                                               at[2:])
        return diff(pixels, at[2], at[3],
                    lambda y: placed_row(pid, y, w, h, at),
                    lambda y: (y - at[1] in (0, h - 1),
                               (y - at[1]) * 4 // h if at[1] <= y < at[1] + h
                               else -1))
    if (gw, gh) != (w, h):
        return False, 'the screen is %dx%d, not %dx%d' % (gw, gh, w, h)
    if rect is not None and (min(rect[:4]) < 0 or rect[0] + rect[2] > w or
                             rect[1] + rect[3] > h):
        return False, 'the rectangle %r is outside %dx%d' % (rect[:4], w, h)
    # Rows repeat: the frame rows and one row per horizontal band
    return diff(pixels, w, h, lambda y: patched_row(pid, y, w, h, rect),
                lambda y: (y in (0, h - 1), y * 4 // h,
                           rect is not None and
                           rect[1] <= y < rect[1] + rect[3]))


def diff(pixels, w, h, row, key_of):
    """Compare pixels (w x h RGB) with row(y); rows with equal key_of(y)
    are equal, so each is built once"""
    rows = {}
    bad = 0
    first = None
    stride = w * 3
    for y in range(h):
        key = key_of(y)
        want = rows.get(key)
        if want is None:
            want = rows[key] = row(y)
        got = pixels[y * stride:(y + 1) * stride]
        if got == want:
            continue
        for x in range(w):
            g = got[x * 3:x * 3 + 3]
            if g != want[x * 3:x * 3 + 3]:
                bad += 1
                if first is None:
                    first = (x, y, g.hex(), want[x * 3:x * 3 + 3].hex())
    if not bad:
        return True, 'match'
    return False, ('%d of %d pixels differ; the first at (%d,%d) is #%s, '
                   'not #%s' % ((bad, w * h) + first))


def parse_rect(text):
    """X,Y,RW,RH:B as (x, y, rw, rh, b)"""
    where, pid_b = text.split(':')
    x, y, rw, rh = (int(v) for v in where.split(','))
    return x, y, rw, rh, int(pid_b)


def parse_at(text):
    """X,Y:SWxSH as (x, y, sw, sh)"""
    where, screen = text.split(':')
    x, y = (int(v) for v in where.split(','))
    sw, sh = (int(v) for v in screen.split('x'))
    return x, y, sw, sh


def main():
    args = sys.argv[1:]
    rect = at = None
    if len(args) == 6 and args[4] in ('--rect', '--at'):
        try:
            if args[4] == '--rect':
                rect = parse_rect(args[5])
            else:
                at = parse_at(args[5])
        except ValueError:
            args = []
        args = args[:4]
    if len(args) != 4:
        sys.stderr.write('usage: compare.py PPM PATTERN_ID WIDTH HEIGHT '
                         '[--rect X,Y,RW,RH:B | --at X,Y:SWxSH]\n')
        return 2
    ok, why = compare(args[0], int(args[1]), int(args[2]), int(args[3]),
                      rect, at)
    print(why)
    if ok:
        return 0
    return 2 if why.startswith('cannot read') else 1


if __name__ == '__main__':
    sys.exit(main())
