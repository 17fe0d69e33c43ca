//! Datagram I/O for probe sockets: sends go straight to the kernel (a new socket has no cached
//! write readiness to wait for), and receives carry the kernel's arrival timestamp so a reply's
//! round-trip time does not include the time the loop spent sending other probes.

use std::io;
use std::mem::MaybeUninit;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::Interest;
use tokio::net::UdpSocket;

/// Asks the kernel to timestamp every received packet (SO_TIMESTAMPNS).
pub fn enable_rx_timestamps(sock: &UdpSocket) {
    let on: libc::c_int = 1;
    // SAFETY: setsockopt on a valid descriptor with a c_int value of the right size.
    unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPNS,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

/// Sends one datagram now, without waiting for tokio's readiness.
pub fn send_to(sock: &UdpSocket, buf: &[u8], to: SocketAddr) -> io::Result<usize> {
    socket2::SockRef::from(sock).send_to(buf, &to.into())
}

/// Sends one datagram on a connected socket now.
pub fn send(sock: &UdpSocket, buf: &[u8]) -> io::Result<usize> {
    socket2::SockRef::from(sock).send(buf)
}

/// Receives one datagram if one is waiting: its length, sender and arrival time (the kernel's
/// timestamp when enabled, else now). WouldBlock clears the socket's readiness.
pub fn recv_timestamped(
    sock: &UdpSocket,
    buf: &mut [u8],
) -> io::Result<(usize, IpAddr, SystemTime)> {
    sock.try_io(Interest::READABLE, || recvmsg(sock.as_raw_fd(), buf))
}

fn recvmsg(fd: libc::c_int, buf: &mut [u8]) -> io::Result<(usize, IpAddr, SystemTime)> {
    let mut addr = MaybeUninit::<libc::sockaddr_storage>::zeroed();
    let mut control = [0u64; 16];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: an all-zero msghdr is valid; every pointer set below outlives the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = addr.as_mut_ptr().cast();
    msg.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: msg points at live buffers of the sizes it declares.
    let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_DONTWAIT) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut stamp = None;
    // SAFETY: the CMSG macros walk the control buffer the kernel filled, within msg_controllen.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_TIMESTAMPNS
            {
                let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast());
                stamp = Some(UNIX_EPOCH + Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32));
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    // SAFETY: the kernel wrote msg_namelen bytes of a socket address into `addr`.
    let from = unsafe { sockaddr_ip(addr.as_ptr()) };
    Ok((n as usize, from, stamp.unwrap_or_else(SystemTime::now)))
}

/// # Safety
/// `sa` must point at an initialised sockaddr_in or sockaddr_in6.
unsafe fn sockaddr_ip(sa: *const libc::sockaddr_storage) -> IpAddr {
    // SAFETY: the caller guarantees `sa` holds a socket address of the family it names.
    unsafe {
        match i32::from((*sa).ss_family) {
            libc::AF_INET => {
                let sin = &*sa.cast::<libc::sockaddr_in>();
                IpAddr::V4(Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)))
            }
            libc::AF_INET6 => {
                let sin6 = &*sa.cast::<libc::sockaddr_in6>();
                IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr))
            }
            _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        }
    }
}

/// The time between a send and a receive on the wall clock, zero if the clock stepped back.
pub fn elapsed(sent: SystemTime, received: SystemTime) -> Duration {
    received.duration_since(sent).unwrap_or(Duration::ZERO)
}
