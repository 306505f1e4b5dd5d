//! The listening socket and the tiny_http server on it. The socket is ours and tiny_http only
//! accepts from a copy of it, so when its accept thread ends (on the first failed `accept`, or
//! in a panic when a connection's descriptor cannot be duplicated) a new server is started on
//! the same socket, found by the error or by a probe that goes unanswered.

use crate::base::diagnostic::Diagnostic;
use crate::base::rules;
use crate::serve::http::dispatch;
use crate::serve::state::{Builds, Shared, Wake};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// How often the server checks that it still accepts connections, and how long it waits for the
/// answer; two unanswered probes in a row restart the HTTP server.
const PROBE_EVERY: Duration = Duration::from_secs(1);
const PROBE_WAIT: Duration = Duration::from_secs(2);
/// The wait before starting a new HTTP server: doubled while they keep failing within
/// `BACKOFF_RESET` of starting, up to the most.
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MOST: Duration = Duration::from_secs(2);
const BACKOFF_RESET: Duration = Duration::from_secs(10);
/// A replaced HTTP server whose accept loop failed still answers the connections it had (kept
/// alive by browsers); it is let go once none has sent a request for this long.
const RETIRED_IDLE: Duration = Duration::from_secs(300);

/// tiny_http serving our listening socket. tiny_http accepts on a thread of its own that ends
/// for good on the first failed `accept` and panics when a new connection's descriptor cannot be
/// duplicated (out of file descriptors), after which nothing would answer again; the socket
/// stays ours, so another tiny_http server can take over on it.
pub struct Http {
    /// The site, named in errors.
    root: PathBuf,
    listener: TcpListener,
    output: PathBuf,
    shared: Shared,
    wake: mpsc::Sender<Wake>,
    /// How many servers were started; the number of the current one.
    started: u64,
    /// The current server's flag, set when it is replaced after its accept loop failed.
    retired: Arc<AtomicBool>,
    since: Instant,
    backoff: Duration,
}

impl Http {
    /// The server for `listener`, answering from `output`; not started yet.
    pub fn new(
        root: &Path,
        listener: TcpListener,
        output: &Path,
        shared: Shared,
        wake: mpsc::Sender<Wake>,
    ) -> Http {
        Http {
            root: root.to_path_buf(),
            listener,
            output: output.to_path_buf(),
            shared,
            wake,
            started: 0,
            retired: Arc::new(AtomicBool::new(false)),
            since: Instant::now(),
            backoff: BACKOFF_FIRST,
        }
    }

    /// The address the socket listens on.
    pub fn addr(&self) -> Result<SocketAddr, Diagnostic> {
        self.listener
            .local_addr()
            .map_err(|e| self.error(format!("cannot listen: {e}")))
    }

    fn error(&self, message: String) -> Diagnostic {
        Diagnostic::error(&self.root, message).with_rule(rules::IO)
    }

    /// Starts a tiny_http server on a copy of the socket, with a thread taking its requests.
    pub fn start(&mut self) -> Result<(), Diagnostic> {
        let listener = self
            .listener
            .try_clone()
            .map_err(|e| self.error(format!("cannot listen: {e}")))?;
        // tiny_http starts its accept thread with `thread::spawn`, which panics when no thread
        // can be had.
        let server = std::panic::catch_unwind(|| tiny_http::Server::from_listener(listener, None))
            .map_err(|_| self.error("cannot start a thread to accept connections".to_string()))?
            .map_err(|e| self.error(format!("cannot listen: {e}")))?;
        let n = self.started + 1;
        let retired = Arc::new(AtomicBool::new(false));
        let (r, wake, output, shared) = (
            retired.clone(),
            self.wake.clone(),
            self.output.clone(),
            self.shared.clone(),
        );
        std::thread::Builder::new()
            .name(format!("crosswalk-http-{n}"))
            .spawn(move || take_requests(&server, n, &r, &wake, &output, &shared))
            .map_err(|e| self.error(format!("cannot start a thread to take requests: {e}")))?;
        self.started = n;
        self.retired = retired;
        self.since = Instant::now();
        Ok(())
    }

    /// Keeps a server answering at `addr` until a signal says stop: a new one is started when
    /// the current one's accept loop ends, or when two probes in a row go unanswered.
    pub fn keep_answering(
        &mut self,
        addr: SocketAddr,
        woken: &mpsc::Receiver<Wake>,
        builds: &Builds,
    ) {
        let mut unanswered = 0;
        loop {
            let event = woken.recv_timeout(PROBE_EVERY);
            if builds.stopping.load(Ordering::SeqCst) {
                break;
            }
            match event {
                Ok(Wake::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Ok(Wake::Died(n, e)) if n == self.started => {
                    eprintln!(
                        "the HTTP server stopped accepting connections ({e}); starting it again"
                    );
                    self.restart(builds, true);
                    unanswered = 0;
                }
                Ok(Wake::Died(..)) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if probe(addr) == Some(false) {
                        unanswered += 1;
                    } else {
                        unanswered = 0;
                    }
                    if unanswered >= 2 {
                        eprintln!("the HTTP server is not answering; starting it again");
                        self.restart(builds, false);
                        unanswered = 0;
                    }
                }
            }
        }
    }

    /// Replaces the current server (`failed`: its accept loop is known to have ended), waiting
    /// longer each time one fails soon after it started; tries until one starts or the server
    /// is stopping.
    fn restart(&mut self, builds: &Builds, failed: bool) {
        if failed {
            self.retired.store(true, Ordering::SeqCst);
        }
        self.backoff = if self.since.elapsed() > BACKOFF_RESET {
            BACKOFF_FIRST
        } else {
            (self.backoff * 2).min(BACKOFF_MOST)
        };
        loop {
            let until = Instant::now() + self.backoff;
            while Instant::now() < until {
                if builds.stopping.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            match self.start() {
                Ok(()) => return,
                Err(e) => {
                    eprintln!("{}; trying again", e.message);
                    self.backoff = (self.backoff * 2).min(BACKOFF_MOST);
                }
            }
        }
    }
}

/// Takes one tiny_http server's requests and answers each on a thread of its own. When its
/// accept loop ends, says so once and goes on with the connections it has; once replaced after
/// such a failure (`retired`), it ends when none has sent a request for a while.
fn take_requests(
    server: &tiny_http::Server,
    n: u64,
    retired: &AtomicBool,
    wake: &mpsc::Sender<Wake>,
    output: &Path,
    shared: &Shared,
) {
    let mut last = Instant::now();
    let mut failed = false;
    loop {
        match server.recv_timeout(Duration::from_secs(1)) {
            Ok(Some(request)) => {
                last = Instant::now();
                dispatch(request, output, shared);
            }
            Ok(None) => {
                if failed && retired.load(Ordering::SeqCst) && last.elapsed() > RETIRED_IDLE {
                    return;
                }
            }
            Err(e) => {
                if !failed {
                    failed = true;
                    let _ = wake.send(Wake::Died(n, e.to_string()));
                }
                last = Instant::now();
            }
        }
    }
}

/// Whether the server answers a request: `None` when that cannot be told (no connection could
/// be made, or it was closed at once).
fn probe(addr: SocketAddr) -> Option<bool> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(PROBE_WAIT)).ok()?;
    s.set_write_timeout(Some(PROBE_WAIT)).ok()?;
    s.write_all(b"GET /__crosswalk/live.js HTTP/1.0\r\n\r\n")
        .ok()?;
    let mut byte = [0u8; 1];
    match s.read(&mut byte) {
        Ok(1) => Some(true),
        Ok(_) => None,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            Some(false)
        }
        Err(_) => None,
    }
}
