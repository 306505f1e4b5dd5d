//! What `serve` asks of the process it runs in: memory the allocator keeps for the next
//! rebuild, a higher limit on open files, and Ctrl-C and SIGTERM turned into an orderly stop.
//! The only `unsafe` of the server, each call with its reason.

/// Every rebuild makes and drops the same large buffers (per-record tables, the plan's rows, the
/// library's pages). glibc serves allocations above a threshold that starts at 128 KiB with
/// fresh `mmap`s, returns them on free, and raises the threshold only as it sees them freed, so
/// rebuilds kept paying for zeroing new pages. Fixing the thresholds keeps freed memory for the
/// next rebuild (at most 256 MiB kept free): at N = 10,000, 7 evidence saves in one run took a
/// median of 201 ms against 242 ms without it, for 367 MiB peak against 335 MiB. The first save
/// after start-up is still the slowest (docs/benchmarks.md).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_memory() {
    use std::ffi::c_int;
    const M_TRIM_THRESHOLD: c_int = -1;
    const M_MMAP_THRESHOLD: c_int = -3;
    unsafe extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    // SAFETY: mallopt only changes the allocator's tuning; 32 MiB is the largest mmap threshold
    // glibc accepts on 64-bit targets. A refused value leaves the default in place.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() {}

/// Each connection takes two file descriptors (tiny_http reads and writes through separate
/// handles) and a build opens files of its own, while many systems start a process with a soft
/// limit of 1,024 descriptors (macOS: 256), a few hundred connections. Running out fails builds
/// and used to stop the server accepting connections; like most servers, raise the soft limit
/// towards the hard one (to at most 10,240, macOS's `OPEN_MAX`).
#[cfg(any(
    all(
        target_os = "linux",
        target_pointer_width = "64",
        not(any(target_arch = "mips64", target_arch = "sparc64"))
    ),
    target_os = "macos"
))]
pub fn raise_open_file_limit() {
    use std::ffi::c_int;
    #[cfg(target_os = "linux")]
    const RLIMIT_NOFILE: c_int = 7;
    #[cfg(target_os = "macos")]
    const RLIMIT_NOFILE: c_int = 8;
    const MOST: u64 = 10_240;
    // `rlim_t` is 64 bits wide on these targets (glibc and musl, 64-bit; macOS).
    #[repr(C)]
    struct Rlimit {
        current: u64,
        most: u64,
    }
    unsafe extern "C" {
        fn getrlimit(resource: c_int, rlim: *mut Rlimit) -> c_int;
        fn setrlimit(resource: c_int, rlim: *const Rlimit) -> c_int;
    }
    let mut limit = Rlimit {
        current: 0,
        most: 0,
    };
    // SAFETY: both calls get a valid pointer to a struct laid out as the C `struct rlimit`; a
    // refused value leaves the limit as it was.
    unsafe {
        if getrlimit(RLIMIT_NOFILE, &mut limit) == 0 && limit.current < limit.most.min(MOST) {
            limit.current = limit.most.min(MOST);
            setrlimit(RLIMIT_NOFILE, &limit);
        }
    }
}

#[cfg(not(any(
    all(
        target_os = "linux",
        target_pointer_width = "64",
        not(any(target_arch = "mips64", target_arch = "sparc64"))
    ),
    target_os = "macos"
)))]
pub fn raise_open_file_limit() {}

/// Ctrl-C and SIGTERM, without a dependency: the handler only writes a byte to a socket (one of
/// the few things a signal handler may safely do), and a thread of ours waits for that byte and
/// runs the shutdown. A second signal ends the process at once, as an unhandled one would.
#[cfg(unix)]
pub mod stop {
    use std::ffi::c_int;
    use std::io::Read;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

    // The same numbers on Linux, macOS and the BSDs.
    const SIGINT: c_int = 2;
    const SIGTERM: c_int = 15;

    static WAKE: AtomicI32 = AtomicI32::new(-1);
    static RECEIVED: AtomicUsize = AtomicUsize::new(0);

    unsafe extern "C" {
        fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
        fn write(fd: c_int, buf: *const u8, count: usize) -> isize;
        fn _exit(status: c_int) -> !;
    }

    extern "C" fn on_signal(signum: c_int) {
        // Only async-signal-safe calls here: atomics, write(2) and _exit(2).
        if RECEIVED.fetch_add(1, Ordering::SeqCst) > 0 {
            // SAFETY: _exit is async-signal-safe and takes any status.
            unsafe { _exit(128 + signum) }
        }
        let fd = WAKE.load(Ordering::SeqCst);
        if fd >= 0 {
            // SAFETY: `fd` is the write end of a socket pair kept open for the life of the
            // process (non-blocking, so a full buffer cannot hang the handler); the buffer is one
            // valid byte.
            unsafe {
                write(fd, [1u8].as_ptr(), 1);
            }
        }
    }

    /// Runs `f` on its own thread when the process first gets SIGINT or SIGTERM.
    pub fn on_signal_run(f: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
        let (mut wait, wake) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        WAKE.store(wake.as_raw_fd(), Ordering::SeqCst);
        std::mem::forget(wake); // the handler may write to it at any time from now on
        std::thread::spawn(move || {
            let mut byte = [0u8];
            if matches!(wait.read(&mut byte), Ok(1)) {
                f();
            }
        });
        for signum in [SIGINT, SIGTERM] {
            // SAFETY: installs a handler that makes only async-signal-safe calls; glibc, musl and
            // the BSDs give signal() persistent, restarting (BSD) semantics.
            if unsafe { signal(signum, on_signal) } == usize::MAX {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(())
    }
}

/// Elsewhere the process ends on Ctrl-C as before, leaving its temporary output folder.
#[cfg(not(unix))]
pub mod stop {
    pub fn on_signal_run(_f: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
        Ok(())
    }
}
