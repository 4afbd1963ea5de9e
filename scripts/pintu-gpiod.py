#!/usr/bin/python3
"""pintu's GPIO helper: the door's lines on the GPIO character device through libgpiod's Python bindings.

Started by pintu (src/adapters/gpio/gpiod-door-io.ts); not meant to be run by hand except `off`.

  pintu-gpiod.py serve
      JSON lines on stdin/stdout. The first input line is {"op":"open", ...}: every door line is requested at
      once, outputs as outputs at their OFF level (never driven first and corrected later), inputs with both
      edges and debounce. Then {"op":"set","seq":N,"role":R,"on":B} -> {"type":"ack","seq":N};
      edges -> {"type":"edge","role":R,"active":B}; {"op":"close"} -> outputs off, lines released, exit 0.
      stdin closing (pintu died) or SIGTERM/SIGINT/SIGHUP: outputs off (the strike first), released, exit 0
      (after a signal it says {"type":"stopped","signal":N} once the lines are off and released).
  pintu-gpiod.py off --chip /dev/gpiochipN --pin BCM [--active-low]
      One shot (pintu relay-off): request that line as an output at its OFF level, release it, exit 0.

Both binding generations: v2 (libgpiod 2, Debian Trixie: gpiod.request_lines, kernel debounce) and v1 (libgpiod 1.6,
Debian Bookworm: one request per line, debounce done here). Standard library only besides gpiod. Logs nothing
but pins, roles and chip names.
"""
import errno
import glob
import json
import os
import re
import select
import signal
import sys
import time
from datetime import timedelta

HEADER_LABELS = ["pinctrl-rp1", "pinctrl-bcm2711", "pinctrl-bcm2835"]
HEADER_LINES = 28


class Failure(Exception):
    """A setup failure reported to pintu as {"type":"error", ...}."""

    def __init__(self, code, message, role=None, pin=None, chip=None, holder=None):
        super().__init__(message)
        self.info = {"type": "error", "code": code, "message": message}
        for key, value in (("role", role), ("pin", pin), ("chip", chip), ("holder", holder)):
            if value is not None:
                self.info[key] = value


class Stop(Exception):
    """A signal asked the helper to stop."""


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def os_code(err):
    return errno.errorcode.get(getattr(err, "errno", None) or 0, type(err).__name__)


def import_gpiod():
    try:
        import gpiod  # noqa: PLC0415 (the binding is optional until a gpiod door is configured)
    except ImportError as err:
        raise Failure("NO_GPIOD", "the python3 gpiod module is missing (%s)" % err) from None
    return gpiod


class Api:
    """The calls pintu needs, over gpiod v2 or v1."""

    def __init__(self, gpiod):
        self.gpiod = gpiod
        self.v2 = hasattr(gpiod, "LineSettings")
        self.version = 2 if self.v2 else 1

    def chip_info(self, path):
        """(label, number of lines) of a chip; OSError when it cannot be opened."""
        chip = self.gpiod.Chip(path)
        try:
            if self.v2:
                info = chip.get_info()
                return info.label, info.num_lines
            return chip.label(), chip.num_lines()
        finally:
            chip.close()

    def holder(self, path, offset):
        """Consumer of a line, or None."""
        try:
            chip = self.gpiod.Chip(path)
            try:
                if self.v2:
                    info = chip.get_line_info(offset)
                    return (info.consumer or "the kernel") if info.used else None
                line = chip.get_line(offset)
                return (line.consumer() or "the kernel") if line.is_used() else None
            finally:
                chip.close()
        except OSError:
            return None


def chip_number(path):
    found = re.search(r"(\d+)$", path)
    return int(found.group(1)) if found else 0


def resolve_chip(api, spec, dev_dir, labels):
    """/dev path of the chip: a path as given, else the first chip with the label (auto: the header's labels)."""
    if spec.startswith("/"):
        return spec
    wanted = labels if spec == "auto" else [spec]
    seen = []
    chips = []
    for path in sorted(glob.glob(os.path.join(dev_dir, "gpiochip*")), key=chip_number):
        try:
            label, lines = api.chip_info(path)
        except OSError as err:
            if getattr(err, "errno", None) in (errno.EACCES, errno.EPERM):
                raise Failure(os_code(err), "cannot open %s: permission denied" % path, chip=path) from None
            continue
        chips.append((path, label, lines))
        seen.append('%s "%s" (%d lines)' % (os.path.basename(path), label, lines))
    for label in wanted:
        for path, chip_label, lines in chips:
            if chip_label == label and (spec != "auto" or lines >= HEADER_LINES):
                return path
    raise Failure("NOCHIP", "no GPIO chip labelled %s under %s: %s" % (
        " or ".join('"%s"' % w for w in wanted), dev_dir, ", ".join(seen) if seen else "no gpiochip devices at all"))


class Door:
    """The requested lines: outputs (strike first) and inputs with their last reported level."""

    def __init__(self, api, path, lines):
        self.api = api
        self.path = path
        self.lines = lines
        self.by_role = {line["role"]: line for line in lines}
        self.by_offset = {line["pin"]: line for line in lines}
        self.outputs = [line for line in lines if line["out"]]
        self.inputs = [line for line in lines if not line["out"]]
        self.level = {}
        self.pending = {}
        self.request = None
        self.v1_lines = {}
        self.v1_chip = None
        self.released = False

    def fail(self, err, line=None):
        code = os_code(err)
        if line is None and code == "EBUSY":
            line = next((l for l in self.lines if self.api.holder(self.path, l["pin"])), None)
        holder = self.api.holder(self.path, line["pin"]) if line is not None and code == "EBUSY" else None
        return Failure(code, str(err), role=line["role"] if line else None, pin=line["pin"] if line else None,
                       chip=self.path, holder=holder)

    def open(self):
        gpiod = self.api.gpiod
        try:
            label, count = self.api.chip_info(self.path)
        except OSError as err:
            raise Failure(os_code(err), "cannot open %s: %s" % (self.path, err), chip=self.path) from None
        for line in self.lines:
            if line["pin"] >= count:
                raise Failure("EINVAL", '%s "%s" has only %d lines' % (self.path, label, count),
                              role=line["role"], pin=line["pin"], chip=self.path)
        if self.api.v2:
            from gpiod.line import Direction, Edge, Value  # noqa: PLC0415
            config = {}
            for line in self.outputs:
                config[line["pin"]] = gpiod.LineSettings(direction=Direction.OUTPUT, output_value=Value.INACTIVE,
                                                         active_low=line["activeLow"])
            for line in self.inputs:
                config[line["pin"]] = gpiod.LineSettings(
                    direction=Direction.INPUT, edge_detection=Edge.BOTH, active_low=line["activeLow"],
                    debounce_period=timedelta(milliseconds=line.get("debounceMs", 0)))
            try:
                self.request = gpiod.request_lines(self.path, config=config, consumer="pintu")
            except OSError as err:
                raise self.fail(err) from None
            values = self.request.get_values([line["pin"] for line in self.inputs]) if self.inputs else []
            for line, value in zip(self.inputs, values):
                self.level[line["role"]] = value == Value.ACTIVE
        else:
            # v1: closing the chip would release its lines, so it stays open until release().
            self.v1_chip = gpiod.Chip(self.path)
            for line in self.outputs + self.inputs:
                handle = self.v1_chip.get_line(line["pin"])
                flags = gpiod.LINE_REQ_FLAG_ACTIVE_LOW if line["activeLow"] else 0
                try:
                    if line["out"]:
                        handle.request(consumer="pintu", type=gpiod.LINE_REQ_DIR_OUT, flags=flags, default_val=0)
                    else:
                        handle.request(consumer="pintu", type=gpiod.LINE_REQ_EV_BOTH_EDGES, flags=flags)
                except OSError as err:
                    failure = self.fail(err, line)
                    self.release()
                    raise failure from None
                self.v1_lines[line["role"]] = handle
            for line in self.inputs:
                self.level[line["role"]] = self.v1_lines[line["role"]].get_value() == 1
        return label

    def set(self, role, on):
        line = self.by_role.get(role)
        if line is None or not line["out"]:
            raise Failure("PROTOCOL", "no output %r" % role)
        if self.api.v2:
            from gpiod.line import Value  # noqa: PLC0415
            self.request.set_value(line["pin"], Value.ACTIVE if on else Value.INACTIVE)
        else:
            self.v1_lines[role].set_value(1 if on else 0)

    def release(self):
        """Outputs off (the strike first, it is first in the list), then every line released. Idempotent."""
        if self.released:
            return
        # Signals ignored BEFORE the release counts as begun: a signal landing here (systemctl stop while pintu's close
        # is served) raises Stop, and the Stop handler's own release() must still find the lines to drive off.
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # a second signal must not cut the release short
        self.released = True
        for line in self.outputs:
            try:
                if self.request is not None or line["role"] in self.v1_lines:
                    self.set(line["role"], False)
            except Exception as err:  # noqa: BLE001 (keep releasing the others)
                sys.stderr.write("could not drive %s off: %s\n" % (line["role"], err))
        if self.request is not None:
            self.request.release()
        for role in [l["role"] for l in self.outputs + self.inputs]:
            handle = self.v1_lines.pop(role, None)
            if handle is not None:
                handle.release()
        if self.v1_chip is not None:
            self.v1_chip.close()

    def event_fds(self):
        """{fd: role or None (v2: one fd for the whole request)}."""
        if self.api.v2:
            return {self.request.fd: None} if self.inputs else {}
        return {self.v1_lines[l["role"]].event_get_fd(): l["role"] for l in self.inputs}

    def report(self, role, active):
        if self.level.get(role) != active:
            self.level[role] = active
            emit({"type": "edge", "role": role, "active": active})

    def on_event_fd(self, role):
        if self.api.v2:
            rising = self.api.gpiod.EdgeEvent.Type.RISING_EDGE
            for event in self.request.read_edge_events():
                line = self.by_offset.get(event.line_offset)
                if line is not None:
                    self.report(line["role"], event.event_type == rising)
            return
        # v1: no kernel debounce; the level is read once it has been stable for debounceMs.
        self.v1_lines[role].event_read()
        self.pending[role] = time.monotonic() + self.by_role[role].get("debounceMs", 0) / 1000.0

    def next_deadline(self):
        return min(self.pending.values()) if self.pending else None

    def settle(self):
        now = time.monotonic()
        for role, deadline in list(self.pending.items()):
            if deadline <= now:
                del self.pending[role]
                self.report(role, self.v1_lines[role].get_value() == 1)


def on_signal(signum, _frame):
    raise Stop(signum)


def command(door, cmd):
    """Run one command from pintu; True when it was close."""
    if cmd.get("op") == "set":
        door.set(cmd["role"], bool(cmd["on"]))
        emit({"type": "ack", "seq": cmd["seq"]})
        return False
    if cmd.get("op") == "close":
        door.release()
        emit({"type": "closed"})
        return True
    raise Failure("PROTOCOL", "unknown op %r" % cmd.get("op"))


def serve():
    buf = b""
    door = None
    try:
        while b"\n" not in buf:
            chunk = os.read(0, 65536)
            if not chunk:
                return 0
            buf += chunk
        first, buf = buf.split(b"\n", 1)
        msg = json.loads(first)
        if msg.get("op") != "open":
            raise Failure("PROTOCOL", "the first message must be open")
        api = Api(import_gpiod())
        path = resolve_chip(api, msg.get("chip", "auto"), msg.get("devDir", "/dev"), msg.get("labels", HEADER_LABELS))
        door = Door(api, path, msg["lines"])
        label = door.open()
        emit({"type": "ready", "api": api.version, "chip": path, "label": label, "levels": door.level})
        fds = door.event_fds()
        while True:
            # Commands already read (they may have come in the same read as the open) before waiting again.
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.strip() and command(door, json.loads(line)):
                    return 0
            deadline = door.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            readable, _, _ = select.select([0] + list(fds), [], [], timeout)
            door.settle()
            for fd in readable:
                if fd != 0:
                    door.on_event_fd(fds[fd])
            if 0 in readable:
                chunk = os.read(0, 65536)
                if not chunk:
                    return 0  # pintu is gone: the finally below drives everything off
                buf += chunk
    except Failure as failure:
        if door is not None:
            door.release()
        try:
            emit(failure.info)
        except OSError:
            pass
        return 1
    except Stop as stop:
        # Stopped by a signal (systemctl stop signals the whole unit): everything off and released, then said so,
        # so pintu knows the strike is off rather than in an unknown state.
        if door is not None:
            door.release()
        try:
            emit({"type": "stopped", "signal": stop.args[0]})
        except OSError:
            pass
        return 0
    except BrokenPipeError:
        return 0
    except ValueError as err:
        try:
            emit({"type": "error", "code": "PROTOCOL", "message": "bad JSON from pintu: %s" % err})
        except OSError:
            pass
        return 1
    finally:
        if door is not None:
            door.release()


def relay_off(argv):
    chip, pin, active_low = None, None, False
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--chip" and args:
            chip = args.pop(0)
        elif arg == "--pin" and args:
            pin = int(args.pop(0))
        elif arg == "--active-low":
            active_low = True
        else:
            raise Failure("USAGE", "unknown argument %r" % arg)
    if chip is None or pin is None:
        raise Failure("USAGE", "off needs --chip and --pin")
    door = Door(Api(import_gpiod()), chip, [{"role": "relay", "pin": pin, "out": True, "activeLow": active_low}])
    door.open()
    door.release()
    emit({"type": "off", "chip": chip, "pin": pin, "activeLow": active_low})
    return 0


def main(argv):
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    mode = argv[1] if len(argv) > 1 else ""
    if mode == "serve":
        return serve()
    if mode == "off":
        try:
            return relay_off(argv[2:])
        except Failure as failure:
            emit(failure.info)
            return 1
        except Stop:
            return 1
    sys.stderr.write("usage: pintu-gpiod.py serve | off --chip /dev/gpiochipN --pin BCM [--active-low]\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
