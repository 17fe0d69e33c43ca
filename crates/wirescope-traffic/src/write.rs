//! pcapng output: a section header, one interface description per link type (nanosecond
//! timestamps), and an enhanced packet block per frame, little-endian. What tshark and Wireshark
//! open; read back by `read` in the tests.

use std::io::Write;

const SHB: u32 = 0x0a0d_0d0a;
const IDB: u32 = 0x0000_0001;
const EPB: u32 = 0x0000_0006;

/// Writes packets as pcapng.
#[derive(Debug)]
pub struct PcapNgWriter<W: Write> {
    w: W,
    /// Link type of each interface written, by interface id.
    interfaces: Vec<u32>,
    snaplen: u32,
    pub packets: u64,
    /// Bytes written so far.
    pub bytes: u64,
}

fn pad4(n: usize) -> usize {
    (4 - n % 4) % 4
}

impl<W: Write> PcapNgWriter<W> {
    /// Starts a file: writes the section header.
    pub fn new(mut w: W, snaplen: u32) -> std::io::Result<Self> {
        let len: u32 = 28;
        w.write_all(&SHB.to_le_bytes())?;
        w.write_all(&len.to_le_bytes())?;
        w.write_all(&0x1a2b_3c4du32.to_le_bytes())?;
        w.write_all(&1u16.to_le_bytes())?;
        w.write_all(&0u16.to_le_bytes())?;
        w.write_all(&(-1i64).to_le_bytes())?;
        w.write_all(&len.to_le_bytes())?;
        Ok(PcapNgWriter {
            w,
            interfaces: Vec::new(),
            snaplen,
            packets: 0,
            bytes: u64::from(len),
        })
    }

    fn interface(&mut self, linktype: u32) -> std::io::Result<u32> {
        if let Some(i) = self.interfaces.iter().position(|l| *l == linktype) {
            return Ok(i as u32);
        }
        // if_tsresol = 9 (nanoseconds), then the end of options.
        let options: [u8; 12] = [9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0];
        let len = (16 + options.len() + 4) as u32;
        self.w.write_all(&IDB.to_le_bytes())?;
        self.w.write_all(&len.to_le_bytes())?;
        self.w.write_all(&(linktype as u16).to_le_bytes())?;
        self.w.write_all(&0u16.to_le_bytes())?;
        self.w.write_all(&self.snaplen.to_le_bytes())?;
        self.w.write_all(&options)?;
        self.w.write_all(&len.to_le_bytes())?;
        self.interfaces.push(linktype);
        self.bytes += u64::from(len);
        Ok(self.interfaces.len() as u32 - 1)
    }

    /// Writes one frame: nanoseconds since the epoch, its length on the wire, the bytes kept.
    pub fn packet(
        &mut self,
        linktype: u32,
        ts_ns: i64,
        len: u32,
        data: &[u8],
    ) -> std::io::Result<()> {
        let id = self.interface(linktype)?;
        let ts = ts_ns.max(0) as u64;
        let pad = pad4(data.len());
        let total = (32 + data.len() + pad) as u32;
        self.w.write_all(&EPB.to_le_bytes())?;
        self.w.write_all(&total.to_le_bytes())?;
        self.w.write_all(&id.to_le_bytes())?;
        self.w.write_all(&((ts >> 32) as u32).to_le_bytes())?;
        self.w.write_all(&(ts as u32).to_le_bytes())?;
        self.w.write_all(&(data.len() as u32).to_le_bytes())?;
        self.w
            .write_all(&len.max(data.len() as u32).to_le_bytes())?;
        self.w.write_all(data)?;
        self.w.write_all(&[0u8; 3][..pad])?;
        self.w.write_all(&total.to_le_bytes())?;
        self.packets += 1;
        self.bytes += u64::from(total);
        Ok(())
    }

    /// The writer underneath (to flush it).
    pub fn inner_mut(&mut self) -> &mut W {
        &mut self.w
    }

    /// Flushes and hands back the writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.w.flush()?;
        Ok(self.w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{linktype, packets};

    #[test]
    fn what_is_written_reads_back() {
        let mut w = PcapNgWriter::new(Vec::new(), 65535).unwrap();
        w.packet(
            linktype::ETHERNET,
            1_700_000_000_123_456_789,
            61,
            &[7u8; 61],
        )
        .unwrap();
        w.packet(linktype::RAW, 1_700_000_001_000_000_000, 1500, &[4u8; 20])
            .unwrap();
        w.packet(linktype::ETHERNET, 5, 3, &[1, 2, 3]).unwrap();
        let bytes = w.finish().unwrap();
        let mut p = packets(&bytes).unwrap();
        let a = p.next().unwrap();
        assert_eq!(
            (a.linktype, a.ts_ns, a.len, a.data),
            (1, 1_700_000_000_123_456_789, 61, &[7u8; 61][..])
        );
        let b = p.next().unwrap();
        assert_eq!((b.linktype, b.len, b.data.len()), (linktype::RAW, 1500, 20));
        let c = p.next().unwrap();
        assert_eq!((c.linktype, c.ts_ns, c.data), (1, 5, &[1u8, 2, 3][..]));
        assert!(p.next().is_none() && p.damage().is_none());
    }
}
