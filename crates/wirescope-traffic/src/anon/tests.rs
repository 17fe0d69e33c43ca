//! Frames built by hand, anonymised, and checked: addresses are the key's pseudonyms, every
//! checksum still verifies, cuts keep what they say, and junk never panics.

use super::*;

const KEY: [u8; 32] = [7u8; 32];

fn pan() -> CryptoPan {
    CryptoPan::new(&KEY)
}

/// An IPv4 header (20 bytes) with a correct checksum.
fn ipv4(proto: u8, src: [u8; 4], dst: [u8; 4], payload_len: usize) -> Vec<u8> {
    let total = (20 + payload_len) as u16;
    let mut h = vec![0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, proto, 0, 0];
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    let sum = checksum(&h);
    h[10..12].copy_from_slice(&sum.to_be_bytes());
    h
}

fn ipv6(next: u8, src: [u8; 16], dst: [u8; 16], payload_len: usize) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0];
    h.extend_from_slice(&(payload_len as u16).to_be_bytes());
    h.extend_from_slice(&[next, 64]);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    h
}

/// The pseudo-header sum input of a transport segment.
fn pseudo(src: &[u8], dst: &[u8], proto: u8, len: usize) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(src);
    p.extend_from_slice(dst);
    if src.len() == 4 {
        p.extend_from_slice(&[0, proto]);
        p.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        p.extend_from_slice(&(len as u32).to_be_bytes());
        p.extend_from_slice(&[0, 0, 0, proto]);
    }
    p
}

/// Sets the checksum at `at` of `segment` for the pseudo-header given.
fn seal(segment: &mut [u8], at: usize, src: &[u8], dst: &[u8], proto: u8) {
    segment[at] = 0;
    segment[at + 1] = 0;
    let mut all = pseudo(src, dst, proto, segment.len());
    all.extend_from_slice(segment);
    let sum = checksum(&all);
    segment[at..at + 2].copy_from_slice(&sum.to_be_bytes());
}

/// Whether `segment`'s checksum verifies under the pseudo-header.
fn verifies(segment: &[u8], src: &[u8], dst: &[u8], proto: u8) -> bool {
    let mut all = pseudo(src, dst, proto, segment.len());
    all.extend_from_slice(segment);
    checksum(&all) == 0
}

fn tcp(payload: &[u8]) -> Vec<u8> {
    let mut t = vec![
        0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,
    ];
    t.extend_from_slice(payload);
    t
}

fn udp(payload: &[u8]) -> Vec<u8> {
    let len = (8 + payload.len()) as u16;
    let mut u = vec![0x9c, 0x40, 0x00, 0x35];
    u.extend_from_slice(&len.to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(payload);
    u
}

fn ethernet(ethertype: u16, body: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 0x01, 0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(body);
    f
}

const A: [u8; 4] = [198, 18, 0, 10];
const B: [u8; 4] = [198, 18, 16, 1];

fn v6(last: u8) -> [u8; 16] {
    let mut a = [
        0x20, 0x01, 0x0d, 0xb8, 0x57, 0x53, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    a[15] = last;
    a
}

#[test]
fn tcp_over_ipv4_gets_pseudonyms_and_checksums_that_verify() {
    let mut seg = tcp(b"GET / HTTP/1.1\r\n\r\n");
    seal(&mut seg, 16, &A, &B, 6);
    let mut ip = ipv4(6, A, B, seg.len());
    ip.extend_from_slice(&seg);
    let mut frame = ethernet(0x0800, &ip);
    let original = frame.clone();
    let mut anon = Anonymizer::new(&KEY, false, None);
    anon.frame(linktype::ETHERNET, &mut frame);
    let (pa, pb) = (pan().v4(A), pan().v4(B));
    assert_eq!(frame[26..30], pa);
    assert_eq!(frame[30..34], pb);
    assert_eq!(checksum(&frame[14..34]), 0, "the IPv4 header's checksum");
    assert!(verifies(&frame[34..], &pa, &pb, 6), "the TCP checksum");
    // MACs untouched without --macs; the payload too
    assert_eq!(frame[..12], original[..12]);
    assert_eq!(frame[54..], original[54..]);
    assert_eq!(
        (
            anon.counts.packets,
            anon.counts.ip_headers,
            anon.counts.untouched
        ),
        (1, 1, 0)
    );
}

#[test]
fn udp_without_a_checksum_keeps_none_and_with_one_verifies_over_ipv6() {
    let seg = udp(b"query");
    let mut ip = ipv4(17, A, B, seg.len());
    ip.extend_from_slice(&seg);
    let mut anon = Anonymizer::new(&KEY, false, None);
    anon.frame(linktype::RAW, &mut ip);
    assert_eq!(
        ip[26..28],
        [0, 0],
        "UDP over IPv4 without a checksum stays without"
    );

    let (s, d) = (v6(1), v6(2));
    let mut seg = udp(b"query");
    seal(&mut seg, 6, &s, &d, 17);
    let mut ip = ipv6(17, s, d, seg.len());
    ip.extend_from_slice(&seg);
    anon.frame(linktype::IPV6, &mut ip);
    let (ps, pd) = (pan().v6(s), pan().v6(d));
    assert_eq!(ip[8..24], ps);
    assert_eq!(ip[24..40], pd);
    assert!(verifies(&ip[40..], &ps, &pd, 17));
    // the shared /64 stays shared
    assert_eq!(ps[..8], pd[..8]);
}

#[test]
fn an_icmp_error_quotes_the_pseudonyms_of_what_it_quotes() {
    // B answers A's UDP datagram with port unreachable, quoting it
    let mut inner_udp = udp(b"probe");
    seal(&mut inner_udp, 6, &A, &B, 17);
    let mut quoted = ipv4(17, A, B, inner_udp.len());
    quoted.extend_from_slice(&inner_udp);
    let mut icmp = vec![3, 3, 0, 0, 0, 0, 0, 0];
    icmp.extend_from_slice(&quoted);
    let sum = checksum(&icmp);
    icmp[2..4].copy_from_slice(&sum.to_be_bytes());
    let mut ip = ipv4(1, B, A, icmp.len());
    ip.extend_from_slice(&icmp);
    let mut anon = Anonymizer::new(&KEY, false, None);
    anon.frame(linktype::RAW, &mut ip);
    let (pa, pb) = (pan().v4(A), pan().v4(B));
    assert_eq!(
        (ip[12..16].to_vec(), ip[16..20].to_vec()),
        (pb.to_vec(), pa.to_vec())
    );
    let q = 28;
    assert_eq!(
        (ip[q + 12..q + 16].to_vec(), ip[q + 16..q + 20].to_vec()),
        (pa.to_vec(), pb.to_vec())
    );
    assert_eq!(checksum(&ip[20..]), 0, "the ICMP checksum");
    assert_eq!(checksum(&ip[q..q + 20]), 0, "the quoted header's checksum");
    assert!(
        verifies(&ip[q + 20..], &pa, &pb, 17),
        "the quoted UDP checksum"
    );
    assert_eq!(anon.counts.icmp_quoted, 1);
    assert_eq!(anon.counts.ip_headers, 2);

    // ICMPv6: the pseudo-header and the quoted addresses, both in its checksum
    let (s, d) = (v6(1), v6(2));
    let mut quoted = ipv6(17, s, d, 8);
    quoted.extend_from_slice(&udp(b""));
    let mut icmp = vec![1, 4, 0, 0, 0, 0, 0, 0];
    icmp.extend_from_slice(&quoted);
    seal(&mut icmp, 2, &d, &s, 58);
    let mut ip = ipv6(58, d, s, icmp.len());
    ip.extend_from_slice(&icmp);
    anon.frame(linktype::RAW, &mut ip);
    let (ps, pd) = (pan().v6(s), pan().v6(d));
    assert!(verifies(&ip[40..], &pd, &ps, 58), "the ICMPv6 checksum");
    assert_eq!(ip[48 + 8..48 + 24], ps);
}

#[test]
fn arp_and_macs_are_rewritten_when_asked() {
    let mut arp = vec![0, 1, 8, 0, 6, 4, 0, 1];
    arp.extend_from_slice(&[0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c]);
    arp.extend_from_slice(&A);
    arp.extend_from_slice(&[0; 6]);
    arp.extend_from_slice(&B);
    let mut frame = ethernet(0x0806, &arp);
    frame[..6].copy_from_slice(&[0xff; 6]);
    let mut anon = Anonymizer::new(&KEY, true, None);
    anon.frame(linktype::ETHERNET, &mut frame);
    let p = pan();
    assert_eq!(frame[..6], [0xff; 6], "broadcast stays broadcast");
    let src_mac = p.mac([0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c]);
    assert_eq!(frame[6..12], src_mac);
    assert_eq!(
        frame[22..28],
        src_mac,
        "the ARP sender's MAC, as the frame's"
    );
    assert_eq!(frame[28..32], p.v4(A));
    assert_eq!(frame[32..38], [0; 6]);
    assert_eq!(frame[38..42], p.v4(B));
    assert_eq!((anon.counts.arp, anon.counts.macs), (1, 1));
}

#[test]
fn vlan_tags_tunnels_and_cooked_captures_are_followed() {
    let mut seg = tcp(b"");
    seal(&mut seg, 16, &A, &B, 6);
    let mut inner = ipv4(6, A, B, seg.len());
    inner.extend_from_slice(&seg);
    // IPv4 in IPv4 (a tunnel), behind two VLAN tags
    let mut outer = ipv4(4, [10, 0, 0, 1], [10, 0, 0, 2], inner.len());
    outer.extend_from_slice(&inner);
    let mut tagged = vec![0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00];
    tagged.extend_from_slice(&outer);
    let mut frame = ethernet(0x88a8, &tagged);
    let mut anon = Anonymizer::new(&KEY, false, None);
    anon.frame(linktype::ETHERNET, &mut frame);
    let at = 14 + 8;
    assert_eq!(frame[at + 12..at + 16], pan().v4([10, 0, 0, 1]));
    assert_eq!(frame[at + 20 + 12..at + 20 + 16], pan().v4(A));
    assert!(verifies(&frame[at + 40..], &pan().v4(A), &pan().v4(B), 6));

    // Linux cooked (SLL): its address is a MAC, scrambled on request
    let mut sll = vec![
        0, 0, 0, 1, 0, 6, 0x00, 0x1b, 0x21, 1, 2, 3, 0, 0, 0x08, 0x00,
    ];
    let mut ip = ipv4(6, A, B, seg.len());
    ip.extend_from_slice(&seg);
    sll.extend_from_slice(&ip);
    let mut anon = Anonymizer::new(&KEY, true, None);
    anon.frame(linktype::LINUX_SLL, &mut sll);
    assert_eq!(sll[16 + 12..16 + 16], pan().v4(A));
    assert_eq!(sll[6..12], pan().mac([0x00, 0x1b, 0x21, 1, 2, 3]));
}

#[test]
fn cuts_keep_the_headers_up_to_their_layer() {
    let mut seg = tcp(&[0xaa; 100]);
    seal(&mut seg, 16, &A, &B, 6);
    let mut ip = ipv4(6, A, B, seg.len());
    ip.extend_from_slice(&seg);
    let frame = ethernet(0x0800, &ip);
    for (cut, len) in [(Cut::Link, 14), (Cut::Network, 34), (Cut::Transport, 54)] {
        let mut f = frame.clone();
        let mut anon = Anonymizer::new(&KEY, false, Some(cut));
        anon.frame(linktype::ETHERNET, &mut f);
        assert_eq!(f.len(), len, "{cut:?}");
        assert_eq!(
            (anon.counts.cut_frames, anon.counts.cut_bytes),
            (1, (frame.len() - len) as u64)
        );
    }
    assert_eq!("transport".parse::<Cut>(), Ok(Cut::Transport));
    assert!(
        "session"
            .parse::<Cut>()
            .unwrap_err()
            .contains("link, network or transport")
    );
}

#[test]
fn junk_and_truncated_frames_never_panic() {
    let mut seg = tcp(b"x");
    seal(&mut seg, 16, &A, &B, 6);
    let mut ip = ipv4(6, A, B, seg.len());
    ip.extend_from_slice(&seg);
    let frame = ethernet(0x0800, &ip);
    let mut anon = Anonymizer::new(&KEY, true, Some(Cut::Transport));
    for len in 0..frame.len() {
        let mut f = frame[..len].to_vec();
        anon.frame(linktype::ETHERNET, &mut f);
        assert!(f.len() <= len);
    }
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = (x % 120) as usize;
        let mut f: Vec<u8> = (0..len).map(|i| (x >> (i % 56)) as u8).collect();
        if let Some(b) = f.get_mut(0) {
            *b = if x & 1 == 0 { 0x45 } else { 0x60 };
        }
        for link in [
            linktype::ETHERNET,
            linktype::RAW,
            linktype::LINUX_SLL,
            linktype::LINUX_SLL2,
            linktype::NULL,
            999,
        ] {
            let mut g = f.clone();
            anon.frame(link, &mut g);
        }
    }
}

#[test]
fn keys_are_read_as_hex_or_raw_and_others_refused() {
    let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    let key = parse_key(hex.as_bytes()).unwrap();
    assert_eq!((key[0], key[1], key[31]), (0x00, 0x11, 0xff));
    assert_eq!(parse_key(&[5u8; 32]).unwrap(), [5u8; 32]);
    let err = parse_key(b"too short").unwrap_err();
    assert!(
        err.contains("32 bytes") && err.contains("this one is 9 bytes"),
        "{err}"
    );
}
