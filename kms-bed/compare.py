#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Check a screendump (binary PPM) against kms-pattern's test pattern, pixel
# for pixel.
#
# Usage: kms-bed/compare.py PPM PATTERN_ID WIDTH HEIGHT
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


def compare(path, pid, w, h):
    """(True, 'match') or (False, why)"""
    try:
        gw, gh, pixels = read_ppm(path)
    except (OSError, ValueError) as e:
        return False, 'cannot read %s: %s' % (path, e)
    if (gw, gh) != (w, h):
        return False, 'the screen is %dx%d, not %dx%d' % (gw, gh, w, h)
    rows = {}
    bad = 0
    first = None
    stride = w * 3
    for y in range(h):
        # Rows repeat: the frame rows and one row per horizontal band
        key = (y in (0, h - 1), y * 4 // h)
        want = rows.get(key)
        if want is None:
            want = rows[key] = expected_row(pid, y, w, h)
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


def main():
    if len(sys.argv) != 5:
        sys.stderr.write('usage: compare.py PPM PATTERN_ID WIDTH HEIGHT\n')
        return 2
    ok, why = compare(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                      int(sys.argv[4]))
    print(why)
    if ok:
        return 0
    return 2 if why.startswith('cannot read') else 1


if __name__ == '__main__':
    sys.exit(main())
