//! Live capture through libpcap, loaded at run time (`libpcap.so.0.8`, Debian's libpcap0.8, which
//! tcpdump also uses): building wirescope needs no libpcap headers, and a machine without the
//! library gets a clear error instead of a binary that will not start. One handle per interface:
//! frames in kernel blocks handed over every read timeout (or immediately, on request), BPF
//! capture filters compiled by libpcap, nanosecond timestamps, and the kernel's drop counters.

use libloading::{Library, Symbol};
use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_void};
use std::sync::{Arc, OnceLock};

const ERRBUF: usize = 256;
const NETMASK_UNKNOWN: u32 = 0xffff_ffff;
const TSTAMP_PRECISION_NANO: c_int = 1;

#[repr(C)]
struct BpfProgram {
    len: c_uint,
    insns: *mut c_void,
}

#[repr(C)]
struct PktHdr {
    ts_sec: libc_time,
    ts_frac: libc_time,
    caplen: u32,
    len: u32,
}

#[allow(non_camel_case_types)]
type libc_time = i64;

#[repr(C)]
#[derive(Default)]
struct PcapStat {
    recv: c_uint,
    drop: c_uint,
    ifdrop: c_uint,
}

type Handle = *mut c_void;

/// The libpcap functions wirescope calls.
struct Pcap {
    _lib: Library,
    create: unsafe extern "C" fn(*const c_char, *mut c_char) -> Handle,
    set_snaplen: unsafe extern "C" fn(Handle, c_int) -> c_int,
    set_promisc: unsafe extern "C" fn(Handle, c_int) -> c_int,
    set_timeout: unsafe extern "C" fn(Handle, c_int) -> c_int,
    set_immediate_mode: unsafe extern "C" fn(Handle, c_int) -> c_int,
    set_buffer_size: unsafe extern "C" fn(Handle, c_int) -> c_int,
    set_tstamp_precision: unsafe extern "C" fn(Handle, c_int) -> c_int,
    activate: unsafe extern "C" fn(Handle) -> c_int,
    geterr: unsafe extern "C" fn(Handle) -> *const c_char,
    statustostr: unsafe extern "C" fn(c_int) -> *const c_char,
    compile: unsafe extern "C" fn(Handle, *mut BpfProgram, *const c_char, c_int, u32) -> c_int,
    setfilter: unsafe extern "C" fn(Handle, *mut BpfProgram) -> c_int,
    freecode: unsafe extern "C" fn(*mut BpfProgram),
    next_ex: unsafe extern "C" fn(Handle, *mut *const PktHdr, *mut *const u8) -> c_int,
    stats: unsafe extern "C" fn(Handle, *mut PcapStat) -> c_int,
    datalink: unsafe extern "C" fn(Handle) -> c_int,
    close: unsafe extern "C" fn(Handle),
    setnonblock: unsafe extern "C" fn(Handle, c_int, *mut c_char) -> c_int,
    selectable_fd: unsafe extern "C" fn(Handle) -> c_int,
}

/// Why a capture could not start or go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    #[error("live capture needs libpcap (apt install libpcap0.8; it comes with tcpdump): {0}")]
    NoLibpcap(String),
    #[error("{interface}: {message}")]
    Interface { interface: String, message: String },
    #[error("capture filter '{filter}': {message}")]
    Filter { filter: String, message: String },
}

fn load() -> Result<Arc<Pcap>, CaptureError> {
    static LIB: OnceLock<Result<Arc<Pcap>, CaptureError>> = OnceLock::new();
    LIB.get_or_init(|| {
        let names = ["libpcap.so.0.8", "libpcap.so.1", "libpcap.so"];
        let mut last = String::new();
        for name in names {
            // SAFETY: loading libpcap runs its initialisers, which have no preconditions.
            match unsafe { Library::new(name) } {
                Ok(lib) => return bind(lib).map(Arc::new),
                Err(e) => last = e.to_string(),
            }
        }
        Err(CaptureError::NoLibpcap(last))
    })
    .clone()
}

fn bind(lib: Library) -> Result<Pcap, CaptureError> {
    fn get<T: Copy>(lib: &Library, name: &str) -> Result<T, CaptureError> {
        // SAFETY: each symbol is looked up with the signature libpcap's pcap.h declares for it.
        let s: Symbol<'_, T> = unsafe { lib.get(name.as_bytes()) }
            .map_err(|e| CaptureError::NoLibpcap(format!("{name}: {e}")))?;
        Ok(*s)
    }
    Ok(Pcap {
        create: get(&lib, "pcap_create")?,
        set_snaplen: get(&lib, "pcap_set_snaplen")?,
        set_promisc: get(&lib, "pcap_set_promisc")?,
        set_timeout: get(&lib, "pcap_set_timeout")?,
        set_immediate_mode: get(&lib, "pcap_set_immediate_mode")?,
        set_buffer_size: get(&lib, "pcap_set_buffer_size")?,
        set_tstamp_precision: get(&lib, "pcap_set_tstamp_precision")?,
        activate: get(&lib, "pcap_activate")?,
        geterr: get(&lib, "pcap_geterr")?,
        statustostr: get(&lib, "pcap_statustostr")?,
        compile: get(&lib, "pcap_compile")?,
        setfilter: get(&lib, "pcap_setfilter")?,
        freecode: get(&lib, "pcap_freecode")?,
        next_ex: get(&lib, "pcap_next_ex")?,
        stats: get(&lib, "pcap_stats")?,
        datalink: get(&lib, "pcap_datalink")?,
        close: get(&lib, "pcap_close")?,
        setnonblock: get(&lib, "pcap_setnonblock")?,
        selectable_fd: get(&lib, "pcap_get_selectable_fd")?,
        _lib: lib,
    })
}

/// How to open an interface.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    pub promiscuous: bool,
    pub snaplen: u32,
    /// Kernel buffer, bytes.
    pub buffer_bytes: u32,
    /// How long a read waits for a packet before returning, so a stop is seen; also how long
    /// the kernel may hold frames to hand them over in blocks (unless `immediate`).
    pub read_timeout_ms: u32,
    /// Hand over every frame as it arrives (lowest latency, one wake-up per frame) instead of
    /// in blocks every `read_timeout_ms` at most (what keeps up with floods).
    pub immediate: bool,
    /// BPF capture filter (tcpdump syntax).
    pub bpf: Option<String>,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        CaptureOptions {
            promiscuous: false,
            snaplen: crate::read::MAX_CAPLEN,
            buffer_bytes: 32 << 20,
            read_timeout_ms: 100,
            immediate: false,
            bpf: None,
        }
    }
}

/// One frame read live, borrowed until the next read.
#[derive(Debug, Clone, Copy)]
pub struct LivePacket<'a> {
    pub ts_ns: i64,
    pub len: u32,
    pub data: &'a [u8],
}

/// The kernel's counters for a handle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct CaptureStats {
    /// Packets the filter passed.
    pub received: u64,
    /// Dropped for lack of buffer space.
    pub dropped: u64,
    /// Dropped by the interface or its driver.
    pub if_dropped: u64,
}

/// An open capture on one interface.
pub struct LiveCapture {
    pcap: Arc<Pcap>,
    handle: Handle,
    pub interface: String,
    pub linktype: u32,
    /// Whether libpcap gives nanosecond stamps (else microseconds).
    nanos: bool,
    /// The descriptor to wait on (reads are non-blocking: immediate mode ignores the timeout).
    fd: c_int,
    timeout_ms: c_int,
}

impl std::fmt::Debug for LiveCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveCapture")
            .field("interface", &self.interface)
            .field("linktype", &self.linktype)
            .finish_non_exhaustive()
    }
}

// SAFETY: a pcap handle may move between threads; it is only ever used by one at a time
// (`LiveCapture` is not Sync and its methods take `&mut self` or `&self` on the owning thread).
unsafe impl Send for LiveCapture {}

fn text(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: libpcap returns NUL-terminated strings that live at least until the next call.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

impl LiveCapture {
    /// Opens and activates `interface` ("any" for all of them).
    pub fn open(interface: &str, opts: &CaptureOptions) -> Result<Self, CaptureError> {
        let pcap = load()?;
        let fail = |message: String| CaptureError::Interface {
            interface: interface.to_string(),
            message,
        };
        let name = CString::new(interface).map_err(|_| fail("a NUL in the name".into()))?;
        let mut err = [0 as c_char; ERRBUF];
        // SAFETY: a valid C string and an error buffer of PCAP_ERRBUF_SIZE bytes.
        let handle = unsafe { (pcap.create)(name.as_ptr(), err.as_mut_ptr()) };
        if handle.is_null() {
            return Err(fail(text(err.as_ptr())));
        }
        let mut cap = LiveCapture {
            pcap: pcap.clone(),
            handle,
            interface: interface.to_string(),
            linktype: 0,
            nanos: false,
            fd: -1,
            timeout_ms: opts.read_timeout_ms.min(60_000) as c_int,
        };
        // SAFETY: the handle is fresh and not yet activated, as these setters require.
        unsafe {
            (pcap.set_snaplen)(handle, opts.snaplen.min(i32::MAX as u32) as c_int);
            (pcap.set_promisc)(handle, c_int::from(opts.promiscuous));
            (pcap.set_timeout)(handle, opts.read_timeout_ms.min(i32::MAX as u32) as c_int);
            (pcap.set_immediate_mode)(handle, c_int::from(opts.immediate));
            (pcap.set_buffer_size)(handle, opts.buffer_bytes.min(i32::MAX as u32) as c_int);
            cap.nanos = (pcap.set_tstamp_precision)(handle, TSTAMP_PRECISION_NANO) == 0;
        }
        // SAFETY: the handle is valid.
        let status = unsafe { (pcap.activate)(handle) };
        if status < 0 {
            let detail = text(unsafe { (pcap.geterr)(handle) });
            let status_text = text(unsafe { (pcap.statustostr)(status) });
            let hint = if status == -8 {
                " (run as root, or give the binary cap_net_raw,cap_net_admin+ep)"
            } else {
                ""
            };
            return Err(fail(if detail.is_empty() {
                format!("{status_text}{hint}")
            } else {
                format!("{detail}{hint}")
            }));
        }
        // SAFETY: the handle is activated.
        let linktype = unsafe { (pcap.datalink)(handle) };
        cap.linktype = linktype.max(0) as u32;
        // SAFETY: an activated handle and an error buffer of PCAP_ERRBUF_SIZE bytes.
        if unsafe { (pcap.setnonblock)(handle, 1, err.as_mut_ptr()) } != 0 {
            return Err(fail(text(err.as_ptr())));
        }
        cap.fd = unsafe { (pcap.selectable_fd)(handle) };
        if cap.fd < 0 {
            return Err(fail("no selectable descriptor to wait on".into()));
        }
        if let Some(bpf) = &opts.bpf {
            cap.set_filter(bpf)?;
        }
        Ok(cap)
    }

    fn set_filter(&mut self, bpf: &str) -> Result<(), CaptureError> {
        let fail = |message: String| CaptureError::Filter {
            filter: bpf.to_string(),
            message,
        };
        let expr = CString::new(bpf).map_err(|_| fail("a NUL in the filter".into()))?;
        let mut prog = BpfProgram {
            len: 0,
            insns: std::ptr::null_mut(),
        };
        // SAFETY: an activated handle, a C string, and a program struct libpcap fills in.
        let rc = unsafe {
            (self.pcap.compile)(
                self.handle,
                &raw mut prog,
                expr.as_ptr(),
                1,
                NETMASK_UNKNOWN,
            )
        };
        if rc != 0 {
            return Err(fail(text(unsafe { (self.pcap.geterr)(self.handle) })));
        }
        // SAFETY: the program was compiled by pcap_compile and is freed right after use.
        let rc = unsafe { (self.pcap.setfilter)(self.handle, &raw mut prog) };
        unsafe { (self.pcap.freecode)(&raw mut prog) };
        if rc != 0 {
            return Err(fail(text(unsafe { (self.pcap.geterr)(self.handle) })));
        }
        Ok(())
    }

    /// The next frame; `None` when the read timeout passed without one.
    pub fn read(&mut self) -> Result<Option<LivePacket<'_>>, CaptureError> {
        self.next_frame(true)
    }

    /// The next frame if one is waiting, without waiting (to drain a burst in one go).
    pub fn try_read(&mut self) -> Result<Option<LivePacket<'_>>, CaptureError> {
        self.next_frame(false)
    }

    fn next_frame(&mut self, wait: bool) -> Result<Option<LivePacket<'_>>, CaptureError> {
        let mut hdr: *const PktHdr = std::ptr::null();
        let mut data: *const u8 = std::ptr::null();
        // SAFETY: an activated handle; libpcap sets both pointers when it returns 1.
        let mut rc = unsafe { (self.pcap.next_ex)(self.handle, &raw mut hdr, &raw mut data) };
        if rc == 0 && wait {
            let mut pfd = libc::pollfd {
                fd: self.fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one pollfd for a descriptor the handle owns.
            if unsafe { libc::poll(&raw mut pfd, 1, self.timeout_ms) } > 0 {
                rc = unsafe { (self.pcap.next_ex)(self.handle, &raw mut hdr, &raw mut data) };
            }
        }
        match rc {
            1 if !hdr.is_null() && !data.is_null() => {
                // SAFETY: valid until the next call on this handle, which needs `&mut self`.
                let h = unsafe { &*hdr };
                let bytes = unsafe { std::slice::from_raw_parts(data, h.caplen as usize) };
                let frac = if self.nanos {
                    h.ts_frac
                } else {
                    h.ts_frac * 1000
                };
                Ok(Some(LivePacket {
                    ts_ns: h.ts_sec * 1_000_000_000 + frac,
                    len: h.len,
                    data: bytes,
                }))
            }
            0 | 1 => Ok(None),
            _ => Err(CaptureError::Interface {
                interface: self.interface.clone(),
                message: text(unsafe { (self.pcap.geterr)(self.handle) }),
            }),
        }
    }

    /// The kernel's counters so far.
    pub fn stats(&self) -> CaptureStats {
        let mut s = PcapStat::default();
        // SAFETY: an activated handle and a struct of pcap_stat's layout.
        if unsafe { (self.pcap.stats)(self.handle, &raw mut s) } != 0 {
            return CaptureStats::default();
        }
        CaptureStats {
            received: u64::from(s.recv),
            dropped: u64::from(s.drop),
            if_dropped: u64::from(s.ifdrop),
        }
    }
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        // SAFETY: the handle is valid and closed exactly once.
        unsafe { (self.pcap.close)(self.handle) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_clear() {
        // Whether or not libpcap is here, a missing interface or a bad filter names itself.
        match LiveCapture::open("wirescope-no-such-if0", &CaptureOptions::default()) {
            Err(CaptureError::NoLibpcap(m)) => assert!(!m.is_empty()),
            Err(CaptureError::Interface { interface, message }) => {
                assert_eq!(interface, "wirescope-no-such-if0");
                assert!(!message.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }
}
