#!/usr/bin/env python3
"""Measure "save to reloaded page" in `crosswalk serve`. A benchmark, not a test.

    serve_latency.py SITE_DIR [--reps 5] [--binary PATH] [--variants LIST] [--json FILE]

Starts `crosswalk serve --root SITE_DIR --port <free port> --quiet --today 2026-11-23`, waits for
it to answer, and opens the live-reload stream the way the page's script does
(`new EventSource('/__crosswalk/events')`, reloading on every message). It then picks a policy
(the middle one of content/policies/*.md, as benches/run.sh does, or --policy) and, for each
repetition of each variant:

  1. waits until the server is idle (no rebuild running, no reload event for --settle seconds);
  2. takes t0 and saves the policy with a new, unique change;
  3. t1: the first reload event on the stream after t0;
  4. GETs the policy's page and checks that it shows this change and not the previous one; if it
     does not, the reload was early (a browser would show the old page): it is counted as stale
     and the script waits for the next reload event and tries again. t2: the page shows the change.

It reports t1 - t0 (save to reload event) and t2 - t0 (save to reloaded page), per repetition and
their median, and, from the server's own log lines, when the rebuild started after the save and
how long the server said it took.

Variants (--variants, comma-separated; default: all four):

  body-rename    a new sentence appended to the body, saved the way many editors do: written to a
                 temporary file in the same folder, then renamed over the policy (the main figure)
  body-inplace   the same kind of edit, written in place (truncate and write, like `>` or VS Code)
  front-matter   the `owner:` line changed (a front-matter edit), saved by rename
  evidence-title the `title:` of the first record in an evidence file changed, saved by rename
                 (the middle file of content/evidence/*.yaml, or --evidence); the page checked
                 is that file's page, evidence/records/<file>.html. The title is shown in the
                 evidence library, the home page's lists and the pages of the controls it serves

Each repetition writes the original file plus its own change, so the file never grows. At the end
the server is stopped (SIGTERM, then SIGKILL if it does not stop within --stop-timeout), and the
policy (and evidence file) is restored byte for byte, with its original modification time. The page is fetched
alone: a browser's reload also fetches the style sheet and script, which this does not time.

Standard library only. Exit status: 0 when every repetition saw its change in the page, 1 when
one did not (or the server failed), 2 on usage errors.
"""

import argparse
import glob
import http.client
import json
import os
import queue
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
EVENTS_PATH = "/__crosswalk/events"  # src/serve.rs, the page's live.js
VARIANTS = ["body-rename", "body-inplace", "front-matter", "evidence-title"]
DESCRIPTION = {
    "body-rename": "body edit, editor save (temporary file renamed over the policy)",
    "body-inplace": "body edit, in-place write (truncate and write)",
    "front-matter": "front-matter edit (owner:), editor save",
    "evidence-title": "evidence record's title, editor save",
}

now = time.perf_counter  # CLOCK_MONOTONIC on Linux; every timestamp below uses it


class Failure(Exception):
    pass


def log(msg):
    print(f"[serve_latency {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def ms(seconds):
    return round(seconds * 1000, 1)


def fmt_ms(v):
    return "-" if v is None else (f"{v:.0f} ms" if v < 1000 else f"{v / 1000:.2f} s")


# ---- the server ---------------------------------------------------------------------------------


class Server:
    """`crosswalk serve` as a child process; its stderr lines are kept with their arrival times."""

    def __init__(self, cmd, log_path):
        self.cmd = cmd
        self.lines = []  # (time, text)
        self.lock = threading.Lock()
        self.log = open(log_path, "w", encoding="utf-8") if log_path else None
        # A session of its own: a Ctrl-C in the terminal reaches this script, which then stops
        # the server and restores the policy in that order.
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stderr:
            t = now()
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self.lock:
                self.lines.append((t, text))
            if self.log:
                self.log.write(f"{t:.6f} {text}\n")
                self.log.flush()

    def since(self, t0, t1=None):
        with self.lock:
            return [(t, s) for t, s in self.lines if t >= t0 and (t1 is None or t <= t1)]

    def tail(self, n=20):
        with self.lock:
            return "\n".join(s for _, s in self.lines[-n:])

    def building(self):
        """Whether the server's log shows a rebuild that has not finished yet."""
        with self.lock:
            for _, s in reversed(self.lines):
                if is_build_start(s):
                    return True
                if is_build_end(s):
                    return False
        return False

    def alive(self):
        return self.proc.poll() is None

    def peak_rss_kib(self):
        """The server's peak resident set size so far (Linux: VmHWM), or None."""
        try:
            with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return None

    def stop(self, timeout):
        """SIGTERM, as a terminal's Ctrl-C or a service manager would; SIGKILL if it hangs."""
        if self.proc.poll() is not None:
            return {"exit": self.proc.returncode, "seconds": 0.0, "killed": False}
        t = now()
        self.proc.send_signal(signal.SIGTERM)
        killed = False
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            killed = True
        self.reader.join(5)
        if self.log:
            self.log.close()
            self.log = None
        return {"exit": self.proc.returncode, "seconds": round(now() - t, 3), "killed": killed}


def is_build_start(line):
    return line.startswith("change in ") and line.endswith(": rebuilding")


BUILT = re.compile(r"^built (\d+) pages in (\d+) ms")


def is_build_end(line):
    return bool(BUILT.match(line)) or line.startswith("build failed")


def load():
    """The load average and, where the kernel reports it, CPU and I/O pressure (avg10, %)."""
    out = {}
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            out["loadavg"] = " ".join(f.read().split()[:3])
        for kind in ("cpu", "io"):
            with open(f"/proc/pressure/{kind}", encoding="ascii") as f:
                m = re.search(r"avg10=([0-9.]+)", f.readline())
                if m:
                    out[f"{kind}_pressure"] = float(m.group(1))
    except OSError:
        pass
    return out


def fmt_load(d):
    parts = [f"load average {d['loadavg']}"] if "loadavg" in d else []
    parts += [f"{k.split('_')[0].upper()} pressure {d[k]:.0f} %" for k in ("cpu_pressure", "io_pressure") if k in d]
    return ", ".join(parts) or "load unknown"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Cache-Control": "no-cache"})
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def wait_until_serving(server, port, timeout):
    """Polls the home page until the server answers (it first builds the whole site)."""
    deadline = now() + timeout
    while True:
        if not server.alive():
            raise Failure(f"crosswalk serve exited ({server.proc.returncode}) before answering:\n{server.tail()}")
        try:
            status, body = get(port, "/", timeout=max(1.0, min(30.0, deadline - now())))
        except (OSError, http.client.HTTPException):
            status = None
        if status == 500 and "Build failed" in body:
            raise Failure(f"the site does not build:\n{server.tail()}")
        if status is not None:
            return
        if now() > deadline:
            raise Failure(f"crosswalk serve did not answer within {timeout:.0f} s:\n{server.tail()}")
        time.sleep(0.1)


# ---- the live-reload stream ---------------------------------------------------------------------


class EventStream:
    """An EventSource on the server's reload stream: every dispatched message, with the time its
    last byte arrived, goes into `events` (time, type, data); (time, None, None) when it closes."""

    def __init__(self, port, path=EVENTS_PATH):
        self.events = queue.Queue()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
                "Cache-Control: no-cache\r\n\r\n"
            ).encode("ascii")
        )
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Failure(f"the event stream {path} closed before its headers: {buf!r}")
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = lines[0].split()
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        if len(status) < 2 or status[1] != "200":
            raise Failure(f"the event stream answered {lines[0]!r}")
        if not headers.get("content-type", "").startswith("text/event-stream"):
            raise Failure(f"the event stream is not text/event-stream: {headers.get('content-type')!r}")
        # The server records the current build when the stream opens, before it sends the
        # headers: from here on, every rebuild reaches this stream.
        self.sock.settimeout(None)
        self.retry_ms = None
        self.thread = threading.Thread(target=self._read, args=(rest,), daemon=True)
        self.thread.start()

    def _read(self, pending):
        # The EventSource parsing rules (HTML Living Standard, "event stream interpretation"):
        # lines end in CRLF, LF or CR; a blank line dispatches the event, if it has data.
        text = ""
        data, etype = [], ""
        chunk = pending
        while True:
            t = now()
            text += chunk.decode("utf-8", "replace")
            while True:
                m = re.search(r"\r\n|\n|\r", text)
                if not m or (m.group() == "\r" and m.end() == len(text)):
                    break  # a lone CR at the end may be the first half of CRLF
                line, text = text[: m.start()], text[m.end() :]
                if line == "":
                    if data:
                        self.events.put((t, etype or "message", "\n".join(data)))
                    data, etype = [], ""
                    continue
                if line.startswith(":"):
                    continue  # comment (the server's keep-alive)
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "data":
                    data.append(value)
                elif field == "event":
                    etype = value
                elif field == "retry" and value.isdigit():
                    self.retry_ms = int(value)
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                self.events.put((now(), None, None))
                return

    def next_message(self, after, deadline):
        """The next `message` event (what the page's `onmessage` reloads on) that arrived at or
        after `after`; None if none comes before `deadline`."""
        while True:
            left = deadline - now()
            if left <= 0:
                return None
            try:
                t, etype, data = self.events.get(timeout=left)
            except queue.Empty:
                return None
            if etype is None:
                raise Failure("the event stream closed")
            if etype == "message" and t >= after:
                return t

    def drain(self):
        n = 0
        while True:
            try:
                _, etype, _ = self.events.get_nowait()
            except queue.Empty:
                return n
            if etype is None:
                raise Failure("the event stream closed")
            n += 1

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


# ---- the policy and its edits -------------------------------------------------------------------


def pick_file(site, explicit, folder, pattern, what, option):
    """`explicit` (relative to the site), or the middle file of content/<folder>/<pattern>, as
    benches/run.sh picks its policy."""
    if explicit:
        path = explicit if os.path.isabs(explicit) else os.path.join(site, explicit)
        if not os.path.isfile(path):
            raise Failure(f"no such {what}: {path}")
        return path
    files = sorted(glob.glob(os.path.join(site, "content", folder, pattern)))
    if not files:
        raise Failure(f"no {what} in {os.path.join(site, 'content', folder)} (use {option})")
    return files[(len(files) + 1) // 2 - 1]


def pick_policy(site, explicit):
    return pick_file(site, explicit, "policies", "*.md", "policy", "--policy")


def pick_evidence(site, explicit):
    return pick_file(site, explicit, "evidence", "*.yaml", "evidence file", "--evidence")


def evidence_page_url(port, path):
    """An evidence file's page: /evidence/records/<file stem>.html (src/view.rs)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    url = f"/evidence/records/{stem}.html"
    status, _ = get(port, url)
    if status != 200:
        raise Failure(f"cannot find the page of {path} at {url} (status {status})")
    return url


def front_matter_field(text, key):
    m = re.match(r"---\r?\n(.*?)\r?\n---", text, re.S)
    if not m:
        return None
    fm = re.search(rf"^{re.escape(key)}:[ \t]*(.*?)[ \t]*$", m.group(1), re.M)
    return fm.group(1).strip("\"'") if fm else None


def page_url(port, doc_id):
    """The policy's page: /policies/<id>.html today (src/view.rs); else a link from the home page."""
    candidates = [f"/policies/{doc_id}.html"]
    try:
        for index in ["/", "/policies/", "/policies/index.html"]:
            status, body = get(port, index)
            if status == 200:
                for href in re.findall(r'href="([^"#?]*)"', body):
                    if re.search(rf"(^|/){re.escape(doc_id)}(\.html|/)?$", href):
                        candidates.append(urllib.parse.urljoin(index, href))
    except (OSError, http.client.HTTPException):
        pass
    for url in candidates:
        status, body = get(port, url)
        if status == 200 and doc_id in body:
            return url
    raise Failure(f"cannot find the page of {doc_id} (tried {', '.join(dict.fromkeys(candidates))})")


def save_rename(path, data, mode):
    """What many editors do: write a temporary file beside the target, then rename it over it.
    The temporary name is a dot-file ending in .tmp, which crosswalk ignores as scratch."""
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def save_inplace(path, data, mode):
    with open(path, "wb") as f:  # O_TRUNC, then one write
        f.write(data)


def make_edit(variant, original, tag, rep):
    """(new file content, the text the page must show) for one repetition."""
    if variant == "evidence-title":
        marker = f"Latency Evidence {tag} {rep}"
        text, n = re.subn(r"(?m)^([ \t]*(?:-[ \t]+)?)title:.*$", rf'\g<1>title: "{marker}"', original, count=1)
        if n != 1:
            raise Failure("the evidence file has no `title:` line to change")
        return text, marker
    if variant in ("body-rename", "body-inplace"):
        marker = f"Serve latency check {tag} {variant.split('-')[1]} {rep} reached the reloaded page."
        return original.rstrip("\r\n") + f"\n\n{marker}\n", marker
    marker = f"Latency Owner {tag} {rep}"
    fm = re.match(r"---\r?\n.*?\r?\n---", original, re.S)
    if not fm:
        raise Failure("the policy has no front matter")
    head, n = re.subn(r"(?m)^owner:.*$", f"owner: {marker}", fm.group(0), count=1)
    if n != 1:
        raise Failure("the policy's front matter has no `owner:` line to change")
    return head + original[fm.end() :], marker


# ---- the measurement ----------------------------------------------------------------------------


def wait_idle(server, stream, settle, deadline):
    """Until no rebuild is running and no reload event arrived for `settle` seconds. Returns the
    number of reload events that arrived meanwhile (late rebuilds of an earlier save)."""
    extra = stream.drain()
    quiet_since = now()
    while True:
        if now() > deadline:
            raise Failure(f"the server did not settle:\n{server.tail()}")
        if not server.alive():
            raise Failure(f"crosswalk serve exited ({server.proc.returncode}):\n{server.tail()}")
        n = stream.drain()
        if n or server.building():
            extra += n
            quiet_since = now()
        elif now() - quiet_since >= settle:
            return extra
        time.sleep(0.02)


def one_rep(ctx, variant, rep, previous_marker):
    server, stream, port = ctx["server"], ctx["stream"], ctx["port"]
    target = ctx["targets"][ctx["target_of"](variant)]
    policy, original, mode, url = target["path"], target["original"], target["mode"], target["url"]
    late = wait_idle(server, stream, ctx["settle"], now() + ctx["timeout"])
    text, marker = make_edit(variant, original, ctx["tag"], rep)
    data = text.encode("utf-8")
    save = save_inplace if variant == "body-inplace" else save_rename

    t0 = now()
    save(policy, data, mode)
    saved = now()
    deadline = t0 + ctx["timeout"]
    t1 = stream.next_message(t0, deadline)
    if t1 is None:
        raise Failure(f"{variant} rep {rep}: no reload event within {ctx['timeout']:.0f} s:\n{server.tail()}")
    reloads, stale, t = 1, 0, t1
    while True:
        status, body = get(port, url)
        t2 = now()
        if status == 200 and marker in body and (previous_marker is None or previous_marker not in body):
            break
        if status == 500 and "Build failed" in body:
            raise Failure(f"{variant} rep {rep}: the edit broke the build:\n{server.tail()}")
        # The page was reloaded before it showed this save: a browser would show the old page
        # until the next reload event.
        stale += 1
        t = stream.next_message(t, deadline)
        if t is None:
            raise Failure(
                f"{variant} rep {rep}: the page never showed the edit (status {status}, "
                f"{reloads} reload events in {ctx['timeout']:.0f} s)"
            )
        reloads += 1

    # The server's own account, from its log: when it started rebuilding, and how long it said
    # the rebuild took. Lines are stamped when read, so the start is an upper bound (by well
    # under a millisecond on an idle machine).
    lines = server.since(t0, t2)
    starts = [lt for lt, s in lines if is_build_start(s)]
    built = [int(m.group(2)) for _, s in lines for m in [BUILT.match(s)] if m]
    return {
        "rep": rep,
        "save_ms": ms(saved - t0),
        "event_ms": ms(t1 - t0),
        "page_ms": ms(t2 - t0),
        "rebuild_start_ms": ms(starts[0] - t0) if starts else None,
        "build_ms": built[0] if built else None,
        "rebuilds": len(starts),
        "reload_events": reloads,
        "stale_reloads": stale,
        "late_events_before": late,
    }, marker


def summary(results):
    def med(key):
        vals = [r[key] for r in results if r[key] is not None]
        return statistics.median_low(vals) if vals else None

    return {
        "reps": len(results),
        "median_event_ms": med("event_ms"),
        "median_page_ms": med("page_ms"),
        "min_page_ms": min(r["page_ms"] for r in results),
        "max_page_ms": max(r["page_ms"] for r in results),
        "median_rebuild_start_ms": med("rebuild_start_ms"),
        "median_build_ms": med("build_ms"),
        "stale_reloads": sum(r["stale_reloads"] for r in results),
        "extra_rebuilds": sum(max(0, r["rebuilds"] - 1) for r in results),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site", help="the site folder (holds crosswalk.yaml)")
    ap.add_argument("--reps", type=int, default=5, help="saves per variant (default 5)")
    ap.add_argument(
        "--binary",
        help="the crosswalk binary (default: $CROSSWALK, else target/release/crosswalk in this repository)",
    )
    ap.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated, in order (default: {','.join(VARIANTS)})",
    )
    ap.add_argument("--policy", help="the policy to edit (default: the middle one of content/policies)")
    ap.add_argument(
        "--evidence", help="the evidence file to edit (default: the middle one of content/evidence/*.yaml)"
    )
    ap.add_argument("--today", default="2026-11-23", help="passed to serve (default 2026-11-23, as run.sh)")
    ap.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    ap.add_argument("--settle", type=float, default=0.5, help="idle seconds before each save (default 0.5)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds one save may take to show (default 300)")
    ap.add_argument(
        "--startup-timeout", type=float, default=1800, help="seconds the first build may take (default 1800)"
    )
    ap.add_argument(
        "--stop-timeout",
        type=float,
        default=600,
        help="seconds to wait for the server to stop, removing its temporary folder (default 600)",
    )
    ap.add_argument("--nice", type=int, help="run the server under `nice -n NICE`")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--server-log", help="keep the server's stderr, each line stamped, in this file")
    args = ap.parse_args()

    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or not variants:
        ap.error(f"unknown variant(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(VARIANTS)}")
    if len(set(variants)) != len(variants):
        ap.error("--variants: name each variant once")
    if args.reps < 1:
        ap.error("--reps must be at least 1")
    site = os.path.abspath(args.site)
    if not os.path.isfile(os.path.join(site, "crosswalk.yaml")):
        ap.error(f"{site} has no crosswalk.yaml")
    binary = args.binary or os.environ.get("CROSSWALK") or os.path.join(REPO, "target", "release", "crosswalk")
    if not os.access(binary, os.X_OK):
        ap.error(f"no crosswalk binary at {binary} (build with `cargo build --release` or pass --binary)")

    def target_of(variant):
        return "evidence" if variant == "evidence-title" else "policy"

    # The files the variants edit, each read once and put back at the end.
    targets = {}
    try:
        if any(target_of(v) == "policy" for v in variants):
            targets["policy"] = {"path": pick_policy(site, args.policy)}
        if any(target_of(v) == "evidence" for v in variants):
            targets["evidence"] = {"path": pick_evidence(site, args.evidence)}
    except Failure as e:
        ap.error(str(e))
    for t in targets.values():
        with open(t["path"], "rb") as f:
            t["bytes"] = f.read()
        t["stat"] = os.stat(t["path"])
        t["mode"] = t["stat"].st_mode & 0o7777
        t["original"] = t["bytes"].decode("utf-8")
    doc_id = None
    if "policy" in targets:
        doc_id = front_matter_field(targets["policy"]["original"], "id")
        if not doc_id:
            ap.error(f"{targets['policy']['path']} has no `id:` in its front matter")

    # A SIGTERM to this script unwinds like Ctrl-C, so the cleanup below runs.
    def on_term(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)

    port = args.port or free_port()
    cmd = [binary, "serve", "--root", site, "--port", str(port), "--quiet", "--today", args.today]
    if args.nice is not None:
        cmd = ["nice", "-n", str(args.nice)] + cmd
    tag = secrets.token_hex(3)
    edited = ", ".join(os.path.relpath(t["path"], site) for t in targets.values())
    log(f"site {site}, editing {edited}, binary {binary}")
    log("starting: " + " ".join(cmd))

    server = stream = None
    results = {}
    out = {
        "site": site,
        "binary": binary,
        "version": subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip(),
        "edited": edited,
        "command": cmd,
        "reps": args.reps,
        "variants": results,
        "cpus": os.cpu_count(),
        "load_start": load(),
    }
    status = 0
    try:
        t = now()
        server = Server(cmd, args.server_log)
        wait_until_serving(server, port, args.startup_timeout)
        out["startup_s"] = round(now() - t, 2)
        log(f"serving on port {port} after {out['startup_s']:.1f} s (the first build)")
        if "policy" in targets:
            targets["policy"]["url"] = page_url(port, doc_id)
        if "evidence" in targets:
            targets["evidence"]["url"] = evidence_page_url(port, targets["evidence"]["path"])
        stream = EventStream(port)
        ctx = {
            "server": server,
            "stream": stream,
            "port": port,
            "targets": targets,
            "target_of": target_of,
            "tag": tag,
            "settle": args.settle,
            "timeout": args.timeout,
        }
        out["pages"] = {k: t["url"] for k, t in targets.items()}
        for variant in variants:
            t = targets[target_of(variant)]
            rel = os.path.relpath(t["path"], site)
            log(f"{variant}: {DESCRIPTION[variant]}, {args.reps} saves of {rel}, page {t['url']}")
            rows, previous = [], None
            for rep in range(1, args.reps + 1):
                r, previous = one_rep(ctx, variant, rep, previous)
                rows.append(r)
                notes = []
                if r["rebuild_start_ms"] is not None:
                    notes.append(f"rebuild started after {fmt_ms(r['rebuild_start_ms'])}")
                if r["build_ms"] is not None:
                    notes.append(f"server: built in {fmt_ms(r['build_ms'])}")
                if r["rebuilds"] != 1:
                    notes.append(f"{r['rebuilds']} rebuilds")
                if r["stale_reloads"]:
                    notes.append(f"{r['stale_reloads']} reload(s) before the page showed the edit")
                if r["late_events_before"]:
                    notes.append(f"{r['late_events_before']} late reload event(s) before this save")
                log(
                    f"  {variant} {rep}/{args.reps}: save to reload event {fmt_ms(r['event_ms'])}, "
                    f"save to reloaded page {fmt_ms(r['page_ms'])}" + (f" ({'; '.join(notes)})" if notes else "")
                )
            results[variant] = {"description": DESCRIPTION[variant], "runs": rows, **summary(rows)}
        # Nothing may be rebuilding when the server is stopped (it would finish that rebuild
        # first, and the stop would take longer).
        wait_idle(server, stream, args.settle, now() + args.timeout)
        out["server_peak_rss_kib"] = server.peak_rss_kib()
        out["load_end"] = load()
    except Failure as e:
        print(f"serve_latency.py: {e}", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        print("serve_latency.py: interrupted", file=sys.stderr)
        status = 130
    finally:
        if stream:
            stream.close()
        if server:
            out["stop"] = server.stop(args.stop_timeout)
            stop = out["stop"]
            how = "killed after --stop-timeout" if stop["killed"] else f"exit status {stop['exit']}"
            log(f"server stopped with SIGTERM in {stop['seconds']:.2f} s ({how})")
            if stop["killed"] or stop["exit"] < 0:
                log("the server did not stop cleanly: its temporary output folder may be left in the temporary folder")
        # Put the edited files back exactly: same bytes, same mode and modification time (the
        # server is stopped first, so this does not start another rebuild).
        for t in targets.values():
            path, original_bytes, st = t["path"], t["bytes"], t["stat"]
            with open(path, "rb") as f:
                changed = f.read() != original_bytes
            leftover = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.tmp")
            if os.path.exists(leftover):
                os.remove(leftover)
            if changed:
                save_rename(path, original_bytes, t["mode"])
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
            with open(path, "rb") as f:
                if f.read() != original_bytes:
                    print(f"serve_latency.py: could not restore {path}", file=sys.stderr)
                    status = 1

    if results:
        print(f"\ncrosswalk serve, {out['version']}: {edited}, median of {args.reps} saves")
        print("| variant | save to reload event | save to reloaded page | min-max (page) | rebuild started | server's build |")
        print("|---|---:|---:|---:|---:|---:|")
        for v, r in results.items():
            print(
                f"| {r['description']} | {fmt_ms(r['median_event_ms'])} | {fmt_ms(r['median_page_ms'])} | "
                f"{fmt_ms(r['min_page_ms'])}-{fmt_ms(r['max_page_ms'])} | "
                f"{fmt_ms(r['median_rebuild_start_ms'])} | {fmt_ms(r['median_build_ms'])} |"
            )
        stale = sum(r["stale_reloads"] for r in results.values())
        if stale:
            print(f"\n{stale} reload event(s) came before the page showed the save (see the log above).")
        if out.get("server_peak_rss_kib"):
            print(f"\nServer's peak RSS over the session: {out['server_peak_rss_kib'] / 1024:.0f} MiB")
        print(
            f"Machine: {out['cpus']} CPUs; at the start {fmt_load(out['load_start'])}; "
            f"at the end {fmt_load(out.get('load_end', {}))}"
        )
        if "stop" in out:
            print(f"Stopping the server (SIGTERM) took {out['stop']['seconds']:.2f} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2)
            f.write("\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
