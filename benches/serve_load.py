#!/usr/bin/env python3
"""`crosswalk serve` under load (issue 17, item 4). A benchmark, not a test: tests/serve_load.rs
runs a short version of the same checks in `cargo test`.

    serve_load.py [--site DIR | --n 1000] [--clients 50] [--saves 20] [--rebuilds 500]
                  [--binary PATH] [--json FILE] [--server-log FILE] [--fd-limit N]

Starts `crosswalk serve --root SITE --port <free port> --quiet --today 2026-11-23` on a site
(--site, or one made by benches/gen_site.py with --n policies in a temporary folder), then:

Load phase. --clients threads fetch pages continuously for --duration seconds: the home page, a
framework page, control pages, policy pages, the documents index, the evidence library and
evidence record pages, and the style sheet (links parsed from the home page and a framework
page). Half the clients keep one connection open (HTTP/1.1 keep-alive), half open a new one for
every request (`Connection: close`). --event-streams more connections hold the live-reload stream
open, as open pages do. Meanwhile --saves saves arrive, spread over the run: body edits and
front-matter (`owner:`) edits of different policies, alternately, saved by write-then-rename as
editors do (every fourth body edit in place), and, in the middle, one save that breaks a policy
(an unterminated front matter) followed by one that fixes it. Each save is waited for: the page
must show the edit (the broken file: the build-failed page naming that file). Recorded: requests,
refused connections, resets and other failures, status codes, every 5xx that is not the
build-failed page, build-failed pages outside the time the file was broken, 200 pages cut short,
latency percentiles, how long each save took to show, the server's threads, open files and
resident memory.

Memory phase. The clients stop; --rebuilds saves follow one another (body and front-matter edits
of ten policies in turn), each waited for until its page shows it. The server's VmRSS
(/proc/<pid>/status) is read after --rss-first and after the last, and every --rss-every in
between; the figure is the ratio of the last to the first (the issue asks for within 10%).

--fd-limit N starts the server with at most N file descriptors, to see what it does when it runs
out (the checks then fail; what matters is whether it recovers).

Last, one more save must show up (the watcher still works), the server is stopped with SIGTERM,
and every edited file is put back byte for byte with its modification time. Prints a Markdown
summary on stdout (progress on stderr). Standard library only; every wait is bounded.

Exit status: 0 when every check held (no refused connection, no 5xx but the build-failed page
while the file was broken, every save shown, the server alive and rebuilding at the end, memory
ratio within 10%), 1 otherwise, 2 on usage errors.
"""

import argparse
import collections
import glob
import http.client
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
EVENTS_PATH = "/__crosswalk/events"  # src/serve.rs
FAILED_TITLE = "<title>Build failed</title>"  # src/serve.rs, the page shown while a build fails

now = time.monotonic


class Failure(Exception):
    pass


def log(msg):
    print(f"[serve_load {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    i = min(len(sorted_vals) - 1, max(0, int(round(p / 100 * (len(sorted_vals) - 1)))))
    return sorted_vals[i]


def fmt_ms(s):
    return "-" if s is None else (f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s")


def fmt_mib(kib):
    return "-" if kib is None else f"{kib / 1024:.1f} MiB"


# ---- the server ---------------------------------------------------------------------------------


BUILT = re.compile(r"^built (\d+) pages in (\d+) ms")


class Server:
    """`crosswalk serve` as a child process; its stderr is kept, and its builds counted."""

    def __init__(self, cmd, log_path, fd_limit=None):
        self.lines = []
        self.builds = 0  # finished rebuilds, good or failed (the first build included)
        self.build_ms = []
        self.lock = threading.Lock()
        self.log = open(log_path, "w", encoding="utf-8") if log_path else None
        def limit():
            if fd_limit:
                resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))

        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=limit,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stderr:
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self.lock:
                self.lines.append(text)
                m = BUILT.match(text)
                if m:
                    self.builds += 1
                    self.build_ms.append(int(m.group(2)))
                elif text.startswith("build failed"):
                    self.builds += 1
            if self.log:
                self.log.write(f"{time.time():.3f} {text}\n")
                self.log.flush()

    def tail(self, n=20):
        with self.lock:
            return "\n".join(self.lines[-n:])

    def grep(self, pattern):
        with self.lock:
            return [s for s in self.lines if re.search(pattern, s)]

    def alive(self):
        return self.proc.poll() is None

    def status(self):
        """VmRSS and VmHWM (KiB), threads and open files, from /proc; {} if gone."""
        out = {}
        try:
            with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if k in ("VmRSS", "VmHWM"):
                        out[k] = int(v.split()[0])
                    elif k == "Threads":
                        out[k] = int(v)
            out["fds"] = len(os.listdir(f"/proc/{self.proc.pid}/fd"))
        except (OSError, ValueError):
            pass
        return out

    def stop(self, timeout):
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
        return {"exit": self.proc.returncode, "seconds": round(now() - t, 2), "killed": killed}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def wait_until_serving(server, port, timeout):
    deadline = now() + timeout
    while True:
        if not server.alive():
            raise Failure(f"crosswalk serve exited ({server.proc.returncode}) before answering:\n{server.tail()}")
        try:
            status, body = get(port, "/", timeout=max(1.0, min(30.0, deadline - now())))
        except (OSError, http.client.HTTPException):
            status = None
        if status == 500 and FAILED_TITLE in body:
            raise Failure(f"the site does not build:\n{server.tail()}")
        if status is not None:
            return
        if now() > deadline:
            raise Failure(f"crosswalk serve did not answer within {timeout:.0f} s:\n{server.tail()}")
        time.sleep(0.1)


# ---- the pages ----------------------------------------------------------------------------------


def links(port, page):
    status, body = get(port, page)
    if status != 200:
        raise Failure(f"{page} answered {status}")
    out = []
    for href in re.findall(r'href="([^"#?]+)', body):
        if "://" not in href:
            out.append(urllib.parse.urljoin(page, href))
    return list(dict.fromkeys(out))


def discover(port):
    """The pages the clients fetch, by kind, from the home page and a framework page's links."""
    home = links(port, "/")

    def kind(prefix, suffix=".html"):
        return [u for u in home if u.startswith(prefix) and u.endswith(suffix)]

    frameworks = [u for u in kind("/frameworks/") if not u.endswith("/index.html")]
    if not frameworks:
        raise Failure("the home page links no framework page")
    controls = [u for u in links(port, frameworks[0]) if u.startswith("/controls/")]
    pages = {
        "home": ["/"],
        "framework": frameworks,
        "control": controls[:: max(1, len(controls) // 40)],
        "policy": kind("/policies/"),
        "documents index": kind("/documents/index.html"),
        "evidence library": kind("/evidence/index.html"),
        "evidence record": kind("/evidence/records/"),
        "style sheet": kind("/static/", ".css"),
    }
    missing = [k for k, v in pages.items() if not v]
    if missing:
        raise Failure(f"no link to a page of kind {', '.join(missing)} on the home page")
    return pages


# ---- the edits ----------------------------------------------------------------------------------


def front_matter_field(text, key):
    m = re.match(r"---\r?\n(.*?)\r?\n---", text, re.S)
    if not m:
        return None
    fm = re.search(rf"^{re.escape(key)}:[ \t]*(.*?)[ \t]*$", m.group(1), re.M)
    return fm.group(1).strip("\"'") if fm else None


class Policy:
    """A policy file, its original bytes and times (put back at the end) and its page."""

    def __init__(self, site, path):
        self.path = path
        self.rel = os.path.relpath(path, site)
        with open(path, "rb") as f:
            self.original_bytes = f.read()
        self.original = self.original_bytes.decode("utf-8")
        self.stat = os.stat(path)
        doc_id = front_matter_field(self.original, "id")
        if not doc_id:
            raise Failure(f"{path} has no id")
        self.url = f"/policies/{doc_id}.html"
        self.touched = False

    def edit(self, kind, marker):
        """The file's text with one edit: `body` appends a sentence, `owner` changes the owner."""
        if kind == "body":
            return self.original.rstrip("\r\n") + f"\n\n{marker}\n"
        fm = re.match(r"---\r?\n.*?\r?\n---", self.original, re.S)
        head, n = re.subn(r"(?m)^owner:.*$", f"owner: {marker}", fm.group(0) if fm else "", count=1)
        if n != 1:
            raise Failure(f"{self.rel} has no owner: line")
        return head + self.original[fm.end() :]

    def save(self, text, in_place=False):
        self.touched = True
        data = text.encode("utf-8")
        if in_place:
            with open(self.path, "wb") as f:
                f.write(data)
            return
        folder, name = os.path.split(self.path)
        tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.chmod(tmp, self.stat.st_mode & 0o7777)
        os.replace(tmp, self.path)

    def restore(self):
        if not self.touched:
            return True
        tmp = os.path.join(os.path.dirname(self.path), f".{os.path.basename(self.path)}.{os.getpid()}.tmp")
        if os.path.exists(tmp):
            os.remove(tmp)
        with open(self.path, "rb") as f:
            same = f.read() == self.original_bytes
        if not same:
            self.save(self.original)
        os.utime(self.path, ns=(self.stat.st_atime_ns, self.stat.st_mtime_ns))
        with open(self.path, "rb") as f:
            return f.read() == self.original_bytes


def wait_for(port, url, pred, timeout, poll=0.02):
    """Polls `url` until pred(status, body); returns (seconds, polls) or raises on timeout."""
    t0, n = now(), 0
    last = None
    while True:
        n += 1
        try:
            status, body = get(port, url)
            last = (status, body[:300])
            if pred(status, body):
                return now() - t0, n
        except (OSError, http.client.HTTPException) as e:
            last = repr(e)
        if now() - t0 > timeout:
            raise Failure(f"{url}: not shown within {timeout:.0f} s; last answer {last}")
        time.sleep(poll)


def shows(marker):
    return lambda status, body: status == 200 and marker in body


# ---- the clients --------------------------------------------------------------------------------


def error_kind(e):
    if isinstance(e, ConnectionRefusedError):
        return "refused"
    if isinstance(e, (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected)):
        return "reset"
    if isinstance(e, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(e, http.client.IncompleteRead):
        return "incomplete body"
    return type(e).__name__


class Clients:
    def __init__(self, port, pages, n, keep_alive, seed):
        self.port, self.pages = port, pages
        self.kinds = list(pages)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.records = []  # (start, end, kind, status or error kind, 5xx body or None)
        self.threads = [
            threading.Thread(
                target=self._run,
                args=(i, keep_alive == "yes" or (keep_alive == "mix" and i % 2 == 0), seed + i),
                daemon=True,
            )
            for i in range(n)
        ]

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self, timeout=60):
        self.stop.set()
        deadline = now() + timeout
        for t in self.threads:
            t.join(max(0.1, deadline - now()))
        return sum(t.is_alive() for t in self.threads)

    def _run(self, i, keep_alive, seed):
        rng = random.Random(seed)
        conn = None
        k = i
        local = []
        while not self.stop.is_set():
            kind = self.kinds[k % len(self.kinds)]
            k += 1
            url = rng.choice(self.pages[kind])
            t0 = now()
            detail = None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", url, headers={} if keep_alive else {"Connection": "close"})
                r = conn.getresponse()
                body = r.read()
                outcome = r.status
                if r.status >= 500:
                    detail = body.decode("utf-8", "replace")
                elif r.status == 200 and url.endswith((".html", "/")) and not body.rstrip().endswith(b"</html>"):
                    outcome = "cut short"
                if not keep_alive or r.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                outcome = error_kind(e)
                detail = repr(e)
                if conn is not None:
                    conn.close()
                conn = None
            local.append((t0, now(), kind, outcome, detail))
            if len(local) >= 200:
                with self.lock:
                    self.records.extend(local)
                local = []
        if conn is not None:
            conn.close()
        with self.lock:
            self.records.extend(local)


class EventStreams:
    """Connections holding the live-reload stream open, as open pages do; counts reloads."""

    def __init__(self, port, n):
        self.port = port
        self.reloads = [0] * n
        self.closed = [None] * n
        self.closing = False
        self.socks = []
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(n)]

    def start(self):
        for t in self.threads:
            t.start()

    def _run(self, i):
        try:
            s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            self.socks.append(s)
            s.sendall(f"GET {EVENTS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode())
            s.settimeout(60)  # the server sends a keep-alive comment every 20 s
            buf = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    if not self.closing:
                        self.closed[i] = "closed by the server"
                    return
                buf += chunk
                while b"\n\n" in buf:
                    event, buf = buf.split(b"\n\n", 1)
                    if b"data: reload" in event:
                        self.reloads[i] += 1
        except OSError as e:
            if not self.closing:
                self.closed[i] = error_kind(e)

    def close(self):
        self.closing = True
        for s in list(self.socks):
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        for t in self.threads:
            t.join(5)


class Sampler:
    """The server's threads, open files and resident memory, twice a second."""

    def __init__(self, server):
        self.server = server
        self.samples = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.wait(0.5):
            st = self.server.status()
            if st:
                self.samples.append(st)

    def peak(self, key):
        vals = [s[key] for s in self.samples if key in s]
        return max(vals) if vals else None


# ---- the run ------------------------------------------------------------------------------------


def load_phase(args, server, port, site, tag, edited):
    pages = discover(port)
    log("pages: " + ", ".join(f"{k} {len(v)}" for k, v in pages.items()))
    policies = sorted(glob.glob(os.path.join(site, "content", "policies", "*.md")))
    if len(policies) < args.saves + 12:
        raise Failure(f"the site has {len(policies)} policies; --saves {args.saves} needs {args.saves + 12}")
    # Policies spread over the site, one per save; the broken one is another.
    step = len(policies) // (args.saves + 1)
    chosen = [Policy(site, policies[(i + 1) * step - 1]) for i in range(args.saves)]
    broken = Policy(site, policies[step // 2])
    edited += chosen + [broken]
    for p in chosen + [broken]:
        status, _ = get(port, p.url)
        if status != 200:
            raise Failure(f"{p.rel}'s page {p.url} answered {status}")

    clients = Clients(port, pages, args.clients, args.keep_alive, args.seed)
    streams = EventStreams(port, args.event_streams)
    sampler = Sampler(server)
    sampler.thread.start()
    streams.start()
    started = now()
    clients.start()
    log(f"{args.clients} clients ({args.keep_alive} keep-alive) and {args.event_streams} event streams running")

    # The saves, spread over --duration; the break and the fix in the middle.
    break_at = args.saves // 2  # the break is save number break_at + 1, the fix the next
    saves = []
    window = None  # (broken saved, fix shown): when the build-failed page is expected
    failure = None
    time.sleep(args.warmup)
    try:
        for i in range(args.saves):
            due = started + args.warmup + i * (args.duration - args.warmup) / args.saves
            time.sleep(max(0.0, due - now()))
            if not server.alive():
                raise Failure(f"the server exited:\n{server.tail()}")
            if i == break_at:
                text = "---\nid: BROKEN\ntitle: Broken by serve_load\n"  # unterminated front matter
                t0 = now()
                window = [t0, None]
                broken.save(text)
                needle = broken.rel + ":1:1: error"

                def is_failed(status, body):
                    return status == 500 and FAILED_TITLE in body and needle in body

                took, _ = wait_for(port, "/", is_failed, args.save_timeout)
                saves.append({"n": i + 1, "kind": "break (unterminated front matter)", "file": broken.rel,
                              "how": "rename", "shown_s": took})
                continue
            if i == break_at + 1:
                marker = f"Fixed by serve_load {tag}."
                t0 = now()
                broken.save(broken.edit("body", marker))
                took, _ = wait_for(port, broken.url, shows(marker), args.save_timeout)
                window[1] = now()
                saves.append({"n": i + 1, "kind": "fix (body edit)", "file": broken.rel, "how": "rename",
                              "shown_s": took})
                continue
            p = chosen[i]
            kind = "body" if i % 2 == 0 else "owner"
            marker = f"Serve load {tag} save {i + 1}." if kind == "body" else f"Load Owner {tag} {i + 1}"
            in_place = kind == "body" and i % 4 == 0
            p.save(p.edit(kind, marker), in_place=in_place)
            took, _ = wait_for(port, p.url, shows(marker), args.save_timeout)
            saves.append({"n": i + 1, "kind": "body edit" if kind == "body" else "front matter (owner:)",
                          "file": p.rel, "how": "in place" if in_place else "rename", "shown_s": took})
            log(f"save {i + 1}/{args.saves} ({saves[-1]['kind']}, {p.rel}) shown after {fmt_ms(took)}")
        time.sleep(max(0.0, started + args.duration - now()))
    except Failure as e:
        failure = str(e)
        log(f"load phase: {failure}")
    finally:
        stuck = clients.finish()
        elapsed = now() - started
        streams.close()
        sampler.stop.set()
        sampler.thread.join(2)
    if stuck:
        raise Failure(f"{stuck} client thread(s) still waiting 60 s after the end")

    # Every request, judged.
    records = sorted(clients.records)
    statuses = collections.Counter(str(r[3]) for r in records)
    failed_ok, failed_outside, other_5xx = 0, [], []
    for t0, t1, kind, outcome, detail in records:
        if isinstance(outcome, int) and outcome >= 500:
            is_failed_page = detail is not None and FAILED_TITLE in detail and broken.rel in detail
            in_window = window is not None and t1 >= window[0] and (window[1] is None or t0 <= window[1])
            if is_failed_page and in_window:
                failed_ok += 1
            elif is_failed_page:
                failed_outside.append((kind, outcome))
            else:
                other_5xx.append((kind, outcome, (detail or "")[:200]))
    errors = collections.Counter(r[3] for r in records if not isinstance(r[3], int))
    lat = sorted(r[1] - r[0] for r in records if isinstance(r[3], int))
    by_kind = {}
    for kind in pages:
        ls = sorted(r[1] - r[0] for r in records if r[2] == kind and isinstance(r[3], int))
        by_kind[kind] = {"requests": len(ls), "p50": pct(ls, 50), "p99": pct(ls, 99), "max": ls[-1] if ls else None}
    return {
        "failure": failure,
        "pages": {k: len(v) for k, v in pages.items()},
        "seconds": round(elapsed, 1),
        "requests": len(records),
        "statuses": dict(statuses),
        "errors": dict(errors),
        "refused": errors.get("refused", 0),
        "reset": errors.get("reset", 0),
        "build_failed_while_broken": failed_ok,
        "build_failed_outside": len(failed_outside),
        "other_5xx": other_5xx[:20],
        "other_5xx_count": len(other_5xx),
        "cut_short": statuses.get("cut short", 0),
        "latency": {k: pct(lat, p) for k, p in (("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9))}
        | {"max": lat[-1] if lat else None},
        "by_kind": by_kind,
        "saves": saves,
        "reloads_per_stream": streams.reloads,
        "streams_closed": [c for c in streams.closed if c],
        "peak_threads": sampler.peak("Threads"),
        "peak_fds": sampler.peak("fds"),
        "peak_rss_kib": sampler.peak("VmRSS"),
    }


def memory_phase(args, server, port, site, tag, edited):
    # Ten policies the load phase left alone, each edited in turn.
    known = {p.path for p in edited}
    free = [f for f in sorted(glob.glob(os.path.join(site, "content", "policies", "*.md"))) if f not in known]
    if len(free) < 10:
        raise Failure("the site has too few policies for the memory phase")
    ring = [Policy(site, free[i * (len(free) // 10) + len(free) // 30]) for i in range(10)]
    edited += ring
    builds0 = server.builds
    rss = {}
    took = []
    deadline = now() + args.memory_timeout
    for k in range(1, args.rebuilds + 1):
        if now() > deadline:
            raise Failure(f"the memory phase took over --memory-timeout {args.memory_timeout:.0f} s ({k - 1} rebuilds)")
        p = ring[k % len(ring)]
        kind = "body" if k % 2 else "owner"
        marker = f"Memory {tag} {k}." if kind == "body" else f"Memory Owner {tag} {k}"
        p.save(p.edit(kind, marker))
        t, _ = wait_for(port, p.url, shows(marker), args.save_timeout)
        took.append(t)
        if k == args.rss_first or k % args.rss_every == 0 or k == args.rebuilds:
            # The page shows the edit once the output is in place; the build's last step (its
            # stamp, on a thread) may still be running: let it end.
            time.sleep(0.3)
            st = server.status()
            rss[k] = st.get("VmRSS")
            log(f"memory: {k} rebuilds, VmRSS {fmt_mib(rss[k])}, {st.get('Threads')} threads, {st.get('fds')} files")
    took.sort()
    first, last = rss.get(args.rss_first), rss.get(args.rebuilds)
    return {
        "rebuilds": len(took),
        "server_builds": server.builds - builds0,
        "rss_kib": rss,
        "ratio": (last / first) if first and last else None,
        "shown_p50": pct(took, 50),
        "shown_p99": pct(took, 99),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--site", help="the site folder (default: one made by gen_site.py with --n policies)")
    ap.add_argument("--n", type=int, default=1000, help="policies of the generated site (default 1000)")
    ap.add_argument("--binary", help="default: $CROSSWALK, else target/release/crosswalk")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--keep-alive", choices=["mix", "yes", "no"], default="mix",
                    help="mix (default): even clients keep their connection, odd ones close it")
    ap.add_argument("--event-streams", type=int, default=5)
    ap.add_argument("--saves", type=int, default=20, help="saves during the load phase (at least 4)")
    ap.add_argument("--duration", type=float, default=60, help="seconds of the load phase (default 60)")
    ap.add_argument("--warmup", type=float, default=3, help="seconds of load before the first save")
    ap.add_argument("--rebuilds", type=int, default=500, help="saves of the memory phase (default 500)")
    ap.add_argument("--rss-first", type=int, default=50, help="first VmRSS reading (default after 50)")
    ap.add_argument("--rss-every", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--today", default="2026-11-23")
    ap.add_argument("--save-timeout", type=float, default=120, help="seconds a save may take to show")
    ap.add_argument("--startup-timeout", type=float, default=900)
    ap.add_argument("--memory-timeout", type=float, default=3600)
    ap.add_argument(
        "--fd-limit",
        type=int,
        help="start the server with this many file descriptors at most (soft and hard limit), to see "
        "it run out; the checks will then fail, the point is what happens after",
    )
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--server-log", help="keep the server's stderr here")
    args = ap.parse_args()
    if args.saves < 4:
        ap.error("--saves must be at least 4")
    if args.rebuilds < args.rss_first:
        ap.error("--rebuilds must be at least --rss-first")
    if args.duration <= args.warmup:
        ap.error("--duration must be longer than --warmup")
    binary = args.binary or os.environ.get("CROSSWALK") or os.path.join(REPO, "target", "release", "crosswalk")
    if not os.access(binary, os.X_OK):
        ap.error(f"no crosswalk binary at {binary} (cargo build --release, or --binary)")

    tmp = None
    if args.site:
        site = os.path.abspath(args.site)
        if not os.path.isfile(os.path.join(site, "crosswalk.yaml")):
            ap.error(f"{site} has no crosswalk.yaml")
    else:
        tmp = tempfile.mkdtemp(prefix="serve-load-")
        log(f"generating a site of {args.n} policies in {tmp}")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_site.py"), tmp, str(args.n)], check=True,
                       stdout=subprocess.DEVNULL)
        site = os.path.join(tmp, "site")

    def on_term(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    port = free_port()
    cmd = [binary, "serve", "--root", site, "--port", str(port), "--quiet", "--today", args.today]
    tag = secrets.token_hex(3)
    out = {"command": " ".join(sys.argv), "server": cmd, "cpus": os.cpu_count(), "fd_limit": args.fd_limit,
           "version": subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()}
    problems = []
    server = None
    edited = []
    status = 0
    try:
        t = now()
        server = Server(cmd, args.server_log, args.fd_limit)
        wait_until_serving(server, port, args.startup_timeout)
        out["startup_s"] = round(now() - t, 1)
        log(f"serving on port {port} after {out['startup_s']} s")
        load = load_phase(args, server, port, site, tag, edited)
        out["load"] = load
        log(f"load phase: {load['requests']} requests, statuses {load['statuses']}, errors {load['errors']}")
        out["after_load"] = server.status()
        if load["failure"]:
            raise Failure(f"load phase: {load['failure']}")
        mem = memory_phase(args, server, port, site, tag, edited)
        out["memory"] = mem
        # The watcher still works: one more save shows up.
        p = edited[0]
        marker = f"Last save {tag}."
        p.save(p.edit("body", marker))
        out["last_save_s"] = wait_for(port, p.url, shows(marker), args.save_timeout)[0]
        out["alive_at_end"] = server.alive()
        out["panics"] = server.grep("panicked")
        out["http_restarts"] = server.grep("starting it again")
    except Failure as e:
        problems.append(str(e))
        status = 1
    except KeyboardInterrupt:
        problems.append("interrupted")
        status = 130
    finally:
        if server:
            out["stop"] = server.stop(600)
        for p in edited:
            if not p.restore():
                problems.append(f"could not restore {p.path}")
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    load, mem = out.get("load"), out.get("memory")
    if load:
        if load["refused"]:
            problems.append(f"{load['refused']} refused connection(s)")
        if load["reset"]:
            problems.append(f"{load['reset']} reset connection(s)")
        other = {k: v for k, v in load["errors"].items() if k not in ("refused", "reset")}
        if other:
            problems.append(f"failed requests: {other}")
        if load["other_5xx_count"]:
            problems.append(f"{load['other_5xx_count']} 5xx other than the build-failed page: {load['other_5xx'][:3]}")
        if load["build_failed_outside"]:
            problems.append(f"{load['build_failed_outside']} build-failed page(s) outside the broken window")
        if load["cut_short"]:
            problems.append(f"{load['cut_short']} page(s) cut short")
        if load["streams_closed"]:
            problems.append(f"event streams closed early: {load['streams_closed']}")
    if mem and mem["ratio"] is not None and not (0.9 <= mem["ratio"] <= 1.1):
        problems.append(f"VmRSS after {args.rebuilds} rebuilds is {mem['ratio']:.3f} x that after {args.rss_first}")
    if out.get("panics"):
        problems.append(f"the server logged panics: {out['panics'][:3]}")
    if out.get("http_restarts"):
        problems.append(f"the HTTP server was started again {len(out['http_restarts'])} time(s)")
    if "stop" in out and (out["stop"]["killed"] or out["stop"]["exit"] != 0):
        problems.append(f"the server did not stop cleanly: {out['stop']}")
    if problems and status == 0:
        status = 1
    out["problems"] = problems

    print(f"\n### crosswalk serve under load ({out['version']}, {out['cpus']} CPUs)\n")
    print(f"Command: `{out['command']}`\n")
    if args.fd_limit:
        print(f"The server's file descriptors were limited to {args.fd_limit}.\n")
    if "startup_s" in out:
        print(f"First build and start: {out['startup_s']} s.\n")
    if load:
        pages = ", ".join(f"{k} {v}" for k, v in load["pages"].items())
        print(f"Load phase: {args.clients} clients ({args.keep_alive} keep-alive), {args.event_streams} event streams, "
              f"{load['seconds']} s, pages fetched ({pages}).\n")
        print("| requests | per second | refused | reset | other failures | 5xx build-failed (while broken) | "
              "other 5xx | pages cut short | p50 | p90 | p99 | p99.9 | max |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        lat = load["latency"]
        other = sum(v for k, v in load["errors"].items() if k not in ("refused", "reset"))
        print(f"| {load['requests']} | {load['requests'] / load['seconds']:.0f} | {load['refused']} | {load['reset']} | "
              f"{other} | {load['build_failed_while_broken']} | {load['other_5xx_count'] + load['build_failed_outside']} | "
              f"{load['cut_short']} | {fmt_ms(lat['p50'])} | {fmt_ms(lat['p90'])} | {fmt_ms(lat['p99'])} | "
              f"{fmt_ms(lat['p99.9'])} | {fmt_ms(lat['max'])} |")
        print(f"\nStatus codes: {', '.join(f'{k}: {v}' for k, v in sorted(load['statuses'].items()))}.\n")
        print("| page | requests | p50 | p99 | max |")
        print("|---|---:|---:|---:|---:|")
        for k, v in load["by_kind"].items():
            print(f"| {k} | {v['requests']} | {fmt_ms(v['p50'])} | {fmt_ms(v['p99'])} | {fmt_ms(v['max'])} |")
        shown = sorted(s["shown_s"] for s in load["saves"])
        print(f"\nSaves: {len(load['saves'])} of {args.saves} shown; save to page showing it under load: "
              f"median {fmt_ms(pct(shown, 50))}, max {fmt_ms(shown[-1] if shown else None)}.")
        print("\n| save | kind | file | saved by | shown after |")
        print("|---:|---|---|---|---:|")
        for s in load["saves"]:
            print(f"| {s['n']} | {s['kind']} | {s['file']} | {s['how']} | {fmt_ms(s['shown_s'])} |")
        print(f"\nReload events per open stream: {load['reloads_per_stream']}. Server peaks: "
              f"{load['peak_threads']} threads, {load['peak_fds']} open files, VmRSS {fmt_mib(load['peak_rss_kib'])}.\n")
    if mem:
        rss = mem["rss_kib"]
        print(f"Memory phase: {mem['rebuilds']} saves, each shown before the next ({mem['server_builds']} rebuilds by "
              f"the server's log); save to page median {fmt_ms(mem['shown_p50'])}, p99 {fmt_ms(mem['shown_p99'])}.\n")
        print("| rebuilds | " + " | ".join(str(k) for k in rss) + " |")
        print("|---|" + "---:|" * len(rss))
        print("| VmRSS | " + " | ".join(fmt_mib(v) for v in rss.values()) + " |")
        if mem["ratio"] is not None:
            print(f"\nVmRSS after {args.rebuilds} / after {args.rss_first}: {mem['ratio']:.3f}\n")
    if "last_save_s" in out:
        print(f"A last save was shown after {fmt_ms(out['last_save_s'])}; the server was alive at the end.")
    if "stop" in out:
        print(f"SIGTERM stopped the server in {out['stop']['seconds']} s (exit {out['stop']['exit']}).")
    print("\nResult: " + ("every check held." if not problems else "PROBLEMS: " + "; ".join(problems)))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2, default=str)
            f.write("\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
