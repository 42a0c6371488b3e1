//! Per-IP rate limiting of the API (`/v1/…`, `/media/…`), by GCRA (`governor`): each
//! client address may make `per_second` requests a second on average, in bursts of up
//! to `burst`. Over it, the answer is 429 `rate_limited` with `Retry-After`. The
//! defaults never trouble a shopper (an evidence step makes a few dozen requests in a
//! burst) or a test suite on loopback; `--rate-limit 0` turns it off (benchmarks).
//!
//! Behind a reverse proxy (or a load balancer) every request comes from the proxy's
//! address: list it with `--trusted-proxy`, and the client is the right-most address of
//! `X-Forwarded-For` that is not itself a trusted proxy. A peer not listed is the
//! client, whatever it claims. Limits are per node: N nodes allow N times the rate.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::Error;
use crate::AppState;

pub const DEFAULT_PER_SECOND: u32 = 50;
pub const DEFAULT_BURST: u32 = 200;

pub struct RateLimit {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::new(DEFAULT_PER_SECOND, DEFAULT_BURST)
    }
}

impl RateLimit {
    /// `per_second` 0 turns limiting off.
    pub fn new(per_second: u32, burst: u32) -> RateLimit {
        let limiter = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst.max(per_second)).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        RateLimit { limiter }
    }

    /// Sign-in attempts: 10 a minute from one address, in bursts of up to 20 — enough
    /// for a desk of people behind one office address, far too few to guess passwords.
    pub fn sign_in() -> RateLimit {
        let quota = Quota::per_minute(NonZeroU32::new(10).expect("not zero"))
            .allow_burst(NonZeroU32::new(20).expect("not zero"));
        RateLimit { limiter: Some(RateLimiter::keyed(quota)) }
    }

    /// `Err(wait)` when `ip`'s client is over its quota.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        limiter.check_key(&client(ip)).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Forgets addresses that are back to a full quota (called now and then).
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
        }
    }
}

/// Addresses (and networks, `10.0.0.0/8`, `fd00::/8`) whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// `127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8` — one per entry.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|entry| {
                let (address, bits) = entry.split_once('/').unwrap_or((entry, ""));
                let address: IpAddr = address.trim().parse().map_err(|_| format!("{entry:?}: not an IP address"))?;
                let most = if address.is_ipv4() { 32 } else { 128 };
                let bits =
                    if bits.is_empty() { most } else { bits.parse().map_err(|_| format!("{entry:?}: bad prefix"))? };
                if bits > most {
                    return Err(format!("{entry:?}: a /{bits} is longer than the address"));
                }
                Ok((address, bits))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = client(ip);
        self.0.iter().any(|&(network, bits)| match (network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        })
    }

    /// The client behind `peer`: `peer` itself unless it is trusted; then the right-most
    /// `X-Forwarded-For` entry that is not trusted (a malformed list: the peer).
    pub fn client(&self, peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut hops = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            let Ok(text) = value.to_str() else { return peer };
            for hop in text.split(',') {
                match hop.trim().parse::<IpAddr>() {
                    Ok(ip) => hops.push(ip),
                    Err(_) => return peer,
                }
            }
        }
        hops.into_iter().rev().find(|ip| !self.trusts(*ip)).unwrap_or(peer)
    }
}

/// The client address of a request: its peer, or who a trusted proxy says it is.
pub fn client_address(state: &AppState, peer: Option<IpAddr>, headers: &axum::http::HeaderMap) -> Option<IpAddr> {
    peer.map(|peer| state.trusted_proxies.client(peer, headers))
}

/// The key a client is limited by: its IPv4 address, or its IPv6 /64 — one host is
/// usually given a whole /64, so keying by /128 would let it make 2^64 fresh addresses.
fn client(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        },
    }
}

pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    // The API, media links and the demo's token minting (which signs for anyone).
    let limited = path.starts_with("/v1/") || path.starts_with("/media/") || path.starts_with("/demo/");
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let peer = client_address(&state, peer, request.headers());
    if let (true, Some(ip)) = (limited, peer) {
        if let Err(wait) = state.rate_limit.check(ip) {
            return Error::RateLimited(wait.as_secs() + 1).into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trusted_proxies_say_who_the_client_is() {
        let proxies = TrustedProxies::parse(&["127.0.0.1".into(), "10.0.0.0/8".into(), "fd00::/8".into()]).unwrap();
        let headers = |xff: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert("x-forwarded-for", xff.parse().unwrap());
            headers
        };
        let ip = |s: &str| -> IpAddr { s.parse().unwrap() };
        // From the balancer: the right-most untrusted hop (a client may prepend anything).
        assert_eq!(proxies.client(ip("127.0.0.1"), &headers("198.51.100.7")), ip("198.51.100.7"));
        assert_eq!(proxies.client(ip("10.1.2.3"), &headers("6.6.6.6, 198.51.100.7, 10.0.0.9")), ip("198.51.100.7"));
        assert_eq!(proxies.client(ip("fd00::1"), &headers("2001:db8::5")), ip("2001:db8::5"));
        // An untrusted peer is the client, whatever it claims; a mangled header: the peer.
        assert_eq!(proxies.client(ip("198.51.100.8"), &headers("1.2.3.4")), ip("198.51.100.8"));
        assert_eq!(proxies.client(ip("127.0.0.1"), &headers("1.2.3.4, not-an-ip")), ip("127.0.0.1"));
        assert_eq!(proxies.client(ip("127.0.0.1"), &axum::http::HeaderMap::new()), ip("127.0.0.1"));
        assert_eq!(proxies.client(ip("11.0.0.1"), &headers("1.2.3.4")), ip("11.0.0.1"), "not in 10/8");
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["proxy.example".into()]).is_err());
        assert!(TrustedProxies::default().client(ip("127.0.0.1"), &headers("1.2.3.4")) == ip("127.0.0.1"));
    }

    #[test]
    fn bursts_then_the_rate() {
        let limit = RateLimit::new(1, 3);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(limit.check(ip), Ok(()));
        }
        let wait = limit.check(ip).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1), "{wait:?}");
        assert_eq!(limit.check(other), Ok(()), "one address's burst is not another's");
        // One IPv6 /64 is one client, whatever its last 64 bits; the next /64 is another.
        let limit = RateLimit::new(1, 2);
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:fffe".parse().unwrap();
        let neighbour: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limit.check(a).is_ok() && limit.check(b).is_ok());
        assert!(limit.check(a).is_err() && limit.check(b).is_err());
        assert!(limit.check(neighbour).is_ok());
        // An IPv4-mapped address is its IPv4 client.
        let v4: IpAddr = "192.0.2.9".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.9".parse().unwrap();
        assert!(limit.check(v4).is_ok() && limit.check(mapped).is_ok() && limit.check(v4).is_err());
        let off = RateLimit::new(0, 0);
        assert!((0..10_000).all(|_| off.check(ip).is_ok()));
    }
}
