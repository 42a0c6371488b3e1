//! `mailto:` links (RFC 6068) with a prefilled subject and body.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986's unreserved characters is encoded: that is always safe in
/// a `mailto:` header value, for Chinese text included (as UTF-8 bytes).
const HFVALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Builds `mailto:{address}?subject=…&body=…`. Line breaks in `body` become CRLF, as the
/// RFC asks. The address must already be validated (see `config::EmailAddress`).
pub fn mailto(address: &str, subject: &str, body: &str) -> String {
    let body = body.replace("\r\n", "\n").replace('\n', "\r\n");
    format!(
        "mailto:{address}?subject={}&body={}",
        utf8_percent_encode(subject, HFVALUE),
        utf8_percent_encode(&body, HFVALUE)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(subject: &str, body: &str, expected: &str) {
        assert_eq!(mailto("service@tmall.com", subject, body), expected);
    }

    #[test]
    fn encodes_every_reserved_character_and_chinese() {
        check("a b", "", "mailto:service@tmall.com?subject=a%20b&body=");
        check("售后", "", "mailto:service@tmall.com?subject=%E5%94%AE%E5%90%8E&body=");
        check("x&y=z?#%+", "", "mailto:service@tmall.com?subject=x%26y%3Dz%3F%23%25%2B&body=");
        check("", "1\n2", "mailto:service@tmall.com?subject=&body=1%0D%0A2");
        check("", "1\r\n2", "mailto:service@tmall.com?subject=&body=1%0D%0A2");
        check("a-b_c.d~e", "", "mailto:service@tmall.com?subject=a-b_c.d~e&body=");
    }
}
