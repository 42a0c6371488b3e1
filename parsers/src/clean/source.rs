//! A buffered reader that knows the input's real length and where it is, so every size a
//! file claims is checked against what is actually there before anything is read.

use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};

use super::{malformed, Error};

pub struct Source<R> {
    inner: BufReader<R>,
    position: u64,
    length: u64,
}

impl<R: Read + Seek> Source<R> {
    pub fn new(mut input: R) -> Result<Source<R>, Error> {
        let length = input.seek(SeekFrom::End(0))?;
        input.seek(SeekFrom::Start(0))?;
        Ok(Source { inner: BufReader::with_capacity(64 * 1024, input), position: 0, length })
    }

    pub fn position(&self) -> u64 {
        self.position
    }

    pub fn length(&self) -> u64 {
        self.length
    }

    pub fn remaining(&self) -> u64 {
        self.length - self.position
    }

    fn ensure(&self, n: u64) -> Result<(), Error> {
        if n > self.remaining() {
            return malformed("a length in the file runs past its end");
        }
        Ok(())
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        self.ensure(N as u64)?;
        let mut bytes = [0u8; N];
        self.inner.read_exact(&mut bytes)?;
        self.position += N as u64;
        Ok(bytes)
    }

    pub fn byte(&mut self) -> Result<u8, Error> {
        Ok(self.array::<1>()?[0])
    }

    /// Reads `n` bytes into `buffer` (replacing its contents); `n` is small (a segment).
    pub fn read_into(&mut self, buffer: &mut Vec<u8>, n: usize) -> Result<(), Error> {
        self.ensure(n as u64)?;
        buffer.clear();
        buffer.resize(n, 0);
        self.inner.read_exact(buffer)?;
        self.position += n as u64;
        Ok(())
    }

    pub fn copy(&mut self, output: &mut impl Write, n: u64) -> Result<(), Error> {
        self.ensure(n)?;
        let copied = io::copy(&mut (&mut self.inner).take(n), output)?;
        if copied != n {
            return malformed("the file ends early");
        }
        self.position += n;
        Ok(())
    }

    pub fn skip(&mut self, n: u64) -> Result<(), Error> {
        self.ensure(n)?;
        let offset = i64::try_from(n).map_err(|_| Error::Malformed("a length in the file is too large".into()))?;
        self.inner.seek_relative(offset)?;
        self.position += n;
        Ok(())
    }

    /// Copies JPEG entropy-coded data (with `FF 00` stuffing, fill bytes and restart
    /// markers) and returns the marker that ends the scan. One pass: every byte is
    /// looked at once.
    pub fn copy_scan(&mut self, output: &mut impl Write) -> Result<u8, Error> {
        loop {
            let buffer = self.inner.fill_buf()?;
            if buffer.is_empty() {
                return malformed("the JPEG scan is cut short");
            }
            match buffer.iter().position(|&b| b == 0xFF) {
                None => {
                    let n = buffer.len();
                    output.write_all(buffer)?;
                    self.inner.consume(n);
                    self.position += n as u64;
                }
                Some(at) => {
                    output.write_all(&buffer[..at])?;
                    self.inner.consume(at + 1);
                    self.position += at as u64 + 1;
                    let mut next = self.byte()?;
                    while next == 0xFF {
                        next = self.byte()?;
                    }
                    match next {
                        0x00 | 0xD0..=0xD7 => output.write_all(&[0xFF, next])?,
                        marker => return Ok(marker),
                    }
                }
            }
        }
    }
}
