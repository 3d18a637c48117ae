#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Summarise a -display kms benchmark run from QEMU's trace log (the log
# backend's "PID@SEC.USEC:event args" lines: -D FILE, -msg timestamp=on,
# -trace virtio_gpu_cmd_res_flush -trace 'kms_flip*').
#
# Usage: kms-bed/bench-trace.py LOG
#
# Prints one line: "flushes=N shown=M bytes_per_shown=B latency_ms=MEAN
# latency_max_ms=MAX", where shown counts page flips completed (frames on
# screen), bytes are those kms_flip says it copied into the dumb buffer,
# and latency runs from the first guest flush not yet on screen to the
# flip-complete event that put it there.

import re
import sys

LINE = re.compile(r'^\d+@(\d+\.\d+):(\w+) (.*)$')
BYTES = re.compile(r', (\d+) bytes copied$')


def summarise(lines):
    flushes = shown = flips = copied = 0
    pending = None
    latencies = []
    for line in lines:
        m = LINE.match(line.strip())
        if not m:
            continue
        t, event, rest = float(m.group(1)), m.group(2), m.group(3)
        if event == 'virtio_gpu_cmd_res_flush':
            flushes += 1
            if pending is None:
                pending = t
        elif event == 'kms_flip':
            b = BYTES.search(rest)
            if b:
                flips += 1
                copied += int(b.group(1))
        elif event == 'kms_flip_done':
            shown += 1
            if pending is not None:
                latencies.append(t - pending)
                pending = None
    return {
        'flushes': flushes,
        'shown': shown,
        'bytes_per_shown': copied // flips if flips else 0,
        'latency_ms': (1000 * sum(latencies) / len(latencies)
                       if latencies else 0),
        'latency_max_ms': 1000 * max(latencies) if latencies else 0,
    }


def main():
    if len(sys.argv) != 2:
        sys.stderr.write('usage: bench-trace.py LOG\n')
        return 2
    with open(sys.argv[1], errors='replace') as f:
        r = summarise(f)
    print('flushes=%(flushes)d shown=%(shown)d '
          'bytes_per_shown=%(bytes_per_shown)d '
          'latency_ms=%(latency_ms).2f latency_max_ms=%(latency_max_ms).2f'
          % r)
    return 0


if __name__ == '__main__':
    sys.exit(main())
