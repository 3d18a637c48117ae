#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# The host side of the KMS test bed: follow the nested Linux's console and
# answer its BED- lines over the outer QEMU's QMP socket.
#
# Usage: kms-bed/watch.py --console FILE --qmp SOCKET --out DIR
#            --scenario NAME [--device ID] [--deadline SECS]
#
# scripts/kms-bed.sh starts the outer QEMU, then this; kms-bed/bed-lib.sh
# prints the lines in the guest.  Console lines (docs/KMS-BED.md):
#   BED-SHOT NAME HEADS      screendump each head of HEADS (e.g. 0,1) of
#                            the virtio-gpu to OUT/NAME-head<H>.ppm, then
#                            write OUT/NAME.done: "OK" or "ERR <why>"
#   BED-QMP NAME JSON        run the QMP command JSON, write the reply to
#                            OUT/NAME.json, then OUT/NAME.done as above
#   BED-CHECK SHOT HEAD ID W H [rect=X,Y,RW,RH:B | at=X,Y:SWxSH]
#                            compare OUT/SHOT-head<HEAD>.ppm with
#                            kms-pattern's pattern ID at WxH: a result
#                            kms-bed/<scenario>/SHOT-head<HEAD>
#   BED-RESULT PASS|FAIL|SKIP CHECK [WHY]   a result the guest judged
#   BED-INFO TEXT            a finding to show, not a result
#   BED-ERROR WHY            the bed itself failed (kms-bed/init)
#   BED-EXIT STATUS          the scenario's exit status
# Results are printed as "PASS: kms-bed/<scenario>/<check>" (or FAIL/SKIP
# with the reason in parentheses) on stdout as they come; OUT/bed-exit
# gets the status of BED-EXIT, OUT/bed-error the first BED-ERROR.  Runs
# until QEMU closes the QMP socket (it exits) or the deadline passes.

import argparse
import json
import os
import re
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402 (found through the path set just above)

NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')
START = time.monotonic()


def progress(msg):
    sys.stderr.write('kms-bed: %5.1fs %s\n' % (time.monotonic() - START,
                                               msg))
    sys.stderr.flush()


class QMP:
    """A minimal QMP client: one command at a time, events skipped"""

    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError as e:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise OSError('cannot connect to QMP at %s: %s'
                                  % (path, e))
                time.sleep(0.05)
        self.buf = b''
        self.closed = False
        self.next_id = 0
        self.read_message(deadline)               # the greeting
        self.command({'execute': 'qmp_capabilities'}, deadline)

    def read_message(self, deadline):
        while b'\n' not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise OSError('QMP did not answer in time')
            ready, _, _ = select.select([self.sock], [], [], left)
            if ready:
                data = self.sock.recv(65536)
                if not data:
                    self.closed = True
                    raise OSError('QEMU closed the QMP socket')
                self.buf += data
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line)

    def command(self, cmd, deadline):
        """The reply of CMD (a dict with "return" or "error")"""
        self.next_id += 1
        cmd = dict(cmd, id=self.next_id)
        self.sock.sendall(json.dumps(cmd).encode() + b'\n')
        while True:
            msg = self.read_message(deadline)
            if 'event' in msg:
                progress('QMP event %s' % msg['event'])
                continue
            if msg.get('id') == self.next_id:
                return msg

    def poll_closed(self):
        """Drain events; True once QEMU has closed the socket"""
        while not self.closed:
            ready, _, _ = select.select([self.sock], [], [], 0)
            if not ready:
                break
            data = self.sock.recv(65536)
            if not data:
                self.closed = True
                break
            self.buf += data
            while b'\n' in self.buf:
                line, self.buf = self.buf.split(b'\n', 1)
                msg = json.loads(line)
                if 'event' in msg:
                    progress('QMP event %s' % msg['event'])
        return self.closed


class Watcher:
    def __init__(self, args):
        self.args = args
        self.out = args.out
        self.prefix = 'kms-bed/%s' % args.scenario
        self.deadline = time.monotonic() + args.deadline
        self.failed = 0

    def result(self, status, check, why=''):
        if status == 'FAIL':
            self.failed += 1
        print('%s: %s/%s%s' % (status, self.prefix, check,
                               ' (%s)' % why if why else ''), flush=True)

    def write(self, name, text):
        tmp = os.path.join(self.out, '.%s.tmp' % name)
        with open(tmp, 'w') as f:
            f.write(text)
        os.rename(tmp, os.path.join(self.out, name))

    def qmp_deadline(self):
        return min(self.deadline, time.monotonic() + 30)

    def shot(self, name, heads):
        try:
            heads = [int(h) for h in heads.split(',')]
        except ValueError:
            self.write(name + '.done', 'ERR bad heads %s\n' % heads)
            return
        errors = []
        for h in heads:
            path = os.path.join(self.out, '%s-head%d.ppm' % (name, h))
            if os.path.exists(path):
                os.unlink(path)
            reply = self.qmp.command({
                'execute': 'screendump',
                'arguments': {'filename': path, 'device': self.args.device,
                              'head': h}}, self.qmp_deadline())
            if 'error' in reply:
                errors.append('head %d: %s' % (h, reply['error']['desc']))
        progress('screendump %s heads %s%s' % (name, heads,
                 ': ' + '; '.join(errors) if errors else ''))
        self.write(name + '.done',
                   'ERR %s\n' % '; '.join(errors) if errors else 'OK\n')

    def qmp_line(self, name, text):
        try:
            cmd = json.loads(text)
        except ValueError as e:
            self.write(name + '.done', 'ERR not JSON: %s\n' % e)
            return
        reply = self.qmp.command(cmd, self.qmp_deadline())
        self.write(name + '.json', json.dumps(reply) + '\n')
        progress('QMP %s: %s' % (name, 'error' if 'error' in reply else 'ok'))
        self.write(name + '.done', 'ERR %s\n' % reply['error']['desc']
                   if 'error' in reply else 'OK\n')

    def check(self, words):
        rect = at = None
        try:
            if len(words) == 6 and words[5].startswith('rect='):
                rect = compare.parse_rect(words.pop()[5:])
            elif len(words) == 6 and words[5].startswith('at='):
                at = compare.parse_at(words.pop()[3:])
        except ValueError:
            words = []
        if len(words) != 5 or not NAME.match(words[0]) or \
                not all(w.isdigit() for w in words[1:]):
            self.result('FAIL', 'protocol',
                        'bad BED-CHECK %s' % ' '.join(words))
            return
        shot, head, pid, w, h = words[0], *map(int, words[1:])
        path = os.path.join(self.out, '%s-head%d.ppm' % (shot, head))
        ok, why = compare.compare(path, pid, w, h, rect, at)
        check = '%s-head%d' % (shot, head)
        if ok:
            self.result('PASS', check)
        else:
            self.result('FAIL', check, 'pattern %d at %dx%d: %s'
                        % (pid, w, h, why))

    def line(self, line):
        words = line.split()
        kind, rest = words[0], words[1:]
        if kind in ('BED-SHOT', 'BED-QMP'):
            if len(rest) < 2 or not NAME.match(rest[0]):
                self.result('FAIL', 'protocol', 'bad line %s' % line)
                return
            progress(line if kind == 'BED-SHOT' else 'BED-QMP ' + rest[0])
            if kind == 'BED-SHOT':
                self.shot(rest[0], rest[1])
            else:
                self.qmp_line(rest[0], line.split(None, 2)[2])
        elif kind == 'BED-CHECK':
            self.check(rest)
        elif kind == 'BED-RESULT':
            if len(rest) < 2 or rest[0] not in ('PASS', 'FAIL', 'SKIP'):
                self.result('FAIL', 'protocol', 'bad line %s' % line)
                return
            self.result(rest[0], rest[1], ' '.join(rest[2:]))
        elif kind == 'BED-INFO':
            print('%s: %s' % (self.prefix, ' '.join(rest)), flush=True)
        elif kind == 'BED-ERROR':
            progress(line)
            if not os.path.exists(os.path.join(self.out, 'bed-error')):
                self.write('bed-error', ' '.join(rest) + '\n')
        elif kind == 'BED-EXIT':
            progress(line)
            self.write('bed-exit', (rest[0] if rest else '?') + '\n')

    def run(self):
        self.qmp = QMP(self.args.qmp, self.deadline)
        progress('QMP connected')
        pos = 0
        pending = b''
        while True:
            closed = self.qmp.poll_closed()
            try:
                with open(self.args.console, 'rb') as f:
                    f.seek(pos)
                    data = f.read()
            except FileNotFoundError:
                data = b''
            pos += len(data)
            pending += data
            while b'\n' in pending:
                raw, pending = pending.split(b'\n', 1)
                text = raw.decode(errors='replace').strip('\r\n\0 ')
                if text.startswith('BED-'):
                    try:
                        self.line(text)
                    except OSError as e:
                        self.result('FAIL', 'protocol',
                                    'while handling %s: %s' % (text, e))
                        if self.qmp.closed:
                            return
            if closed:
                return
            if time.monotonic() > self.deadline:
                progress('the watcher reached its deadline')
                return
            if not data:
                time.sleep(0.05)


def main():
    p = argparse.ArgumentParser(
        description='The host side of the KMS test bed')
    p.add_argument('--console', required=True)
    p.add_argument('--qmp', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--scenario', required=True)
    p.add_argument('--device', default='gpu0')
    p.add_argument('--deadline', type=float, default=300)
    args = p.parse_args()
    w = Watcher(args)
    try:
        w.run()
    except OSError as e:
        progress(str(e))
        return 1
    return 1 if w.failed else 0


if __name__ == '__main__':
    sys.exit(main())
