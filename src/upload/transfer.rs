//! The tus client's logic, with no browser in it: create an upload, send it chunk by
//! chunk at the measured speed, re-read the server's offset when it may have moved
//! (resume, pause, a failed chunk), retry with backoff what can pass, renew an expired
//! order token. The browser side is a [`Transport`] (`client::Xhr`); the file it
//! belongs to is an [`Owner`] (`session::Slot`), which says whether to go on and hears
//! what happened. Native tests drive it through a fake tus server.

use std::rc::Rc;

use aftercare_protocol::case::MediaKind;
use aftercare_protocol::tus;

use super::plan;
use super::restore::ServerState;
use super::retry::{self, Failure};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Checking,
    Preparing,
    Uploading,
    Paused,
    /// Waiting to retry (network trouble, server busy).
    Waiting,
    Done,
    Failed,
    /// Remembered from before a reload, but its bytes are gone: choose it again.
    Reselect,
}

impl Status {
    /// Its name in the markup (`data-status`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Checking => "checking",
            Status::Preparing => "preparing",
            Status::Uploading => "uploading",
            Status::Paused => "paused",
            Status::Waiting => "waiting",
            Status::Done => "done",
            Status::Failed => "failed",
            Status::Reselect => "reselect",
        }
    }
}

/// Why a file was not accepted or did not go up; the UI words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileError {
    /// A code from `protocol::media::check`.
    Type(&'static str),
    TooLarge {
        max: u64,
    },
    TooMany {
        kind: MediaKind,
        max: usize,
    },
    /// A video longer than allowed (seconds).
    TooLong {
        max_seconds: u32,
    },
    /// The server refused it (its `code`).
    Server(String),
    /// Retries ran out.
    Network,
    /// The file chosen again is not the one that was being uploaded.
    WrongFile,
}

/// One tus request. The transport adds `Tus-Resumable` and the bearer `token`.
pub struct Call<'a, B> {
    pub method: &'static str,
    pub url: &'a str,
    pub token: Option<String>,
    pub headers: &'a [(&'static str, String)],
    pub body: Option<&'a B>,
}

/// A 2xx answer: the headers the client reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Answer {
    pub offset: Option<u64>,
    pub location: Option<String>,
}

/// A failed request: what went wrong, the API error code if the server sent one, and
/// its `Retry-After`.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestError {
    pub failure: Failure,
    pub code: Option<String>,
    pub retry_after_ms: Option<u32>,
}

impl RequestError {
    pub fn network() -> RequestError {
        RequestError { failure: Failure::Network, code: None, retry_after_ms: None }
    }
}

/// What the client needs from the world: requests, bodies, time and connectivity.
// Not `Send`: the widget is single-threaded wasm.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// The bytes being uploaded (a `Blob` in the browser).
    type Body;
    /// Sends one request; `progress(bytes)` as the body goes out.
    async fn send(&self, call: Call<'_, Self::Body>, progress: Progress) -> Result<Answer, RequestError>;
    fn slice(&self, body: &Self::Body, start: u64, end: u64) -> Option<Self::Body>;
    /// `location` resolved against `base`, as an absolute URL.
    fn resolve(&self, location: &str, base: &str) -> Option<String>;
    fn base64(bytes: &[u8]) -> String;
    async fn sleep(&self, ms: u32);
    /// Resolves when the browser may be online again.
    async fn wait_online(&self);
    fn online(&self) -> bool;
    fn now_ms(&self) -> f64;
    /// In `[0, 1)`, for backoff jitter.
    fn random(&self) -> f64;
}

/// Whether the file's upload should go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Run {
    Go,
    Paused,
    /// Removed from the list: stop for good.
    Gone,
}

/// What the client tells the file's owner as it goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Report {
    Status(Status),
    /// The upload exists at this URL (remember it for a reload).
    Created(String),
    /// Bytes the server has, or is being sent, so far.
    Sent(u64),
    /// A chunk landed: the server's offset and the speed it went at (bytes/s).
    Chunk {
        offset: u64,
        speed: f64,
    },
}

/// The file being uploaded: cloned into progress callbacks, so `'static`.
#[allow(async_fn_in_trait)]
pub trait Owner: Clone + 'static {
    fn run(&self) -> Run;
    fn token(&self) -> Option<String>;
    /// Asks the host page for a fresh order token; false when none came.
    async fn refresh_token(&self) -> bool;
    fn report(&self, report: Report);
}

/// A file to upload: its bytes, length and tus metadata.
pub struct Source<'a, B> {
    pub body: &'a B,
    pub length: u64,
    pub name: &'a str,
    pub filetype: &'a str,
}

/// Told the bytes of a request's body sent so far. One type for every request (not a
/// closure type each), so the request loop and the browser's sender are compiled once.
pub type Progress = Rc<dyn Fn(u64)>;

/// Token renewals per request before the expiry is reported.
const RENEWALS: u32 = 2;
/// How often a paused upload checks whether it may go on.
const PAUSE_POLL_MS: u32 = 250;

/// Whether a failed request should be sent again.
enum Resend {
    /// Yes, until it succeeds or fails for good.
    Yes,
    /// No: wait out the backoff and return `Ok(None)` (a PATCH must re-read the offset).
    AfterWait,
}

/// One request with retries; `Ok(None)` when the file was paused or removed (or, with
/// `Resend::AfterWait`, when a retryable failure was waited out).
async fn request<'a, T: Transport, O: Owner>(
    transport: &T,
    owner: &O,
    call: &dyn Fn(Option<String>) -> Call<'a, T::Body>,
    progress: Option<Progress>,
    failures: &mut u32,
    resend: Resend,
) -> Result<Option<Answer>, FileError> {
    let progress = progress.unwrap_or_else(|| Rc::new(|_| {}));
    let mut renewals = 0;
    loop {
        if owner.run() != Run::Go {
            return Ok(None);
        }
        let error = match transport.send(call(owner.token()), progress.clone()).await {
            Ok(answer) => return Ok(Some(answer)),
            Err(error) => error,
        };
        if error.code.as_deref() == Some("order_token_expired") && renewals < RENEWALS {
            renewals += 1;
            if owner.refresh_token().await {
                continue;
            }
            return Err(FileError::Server("order_token_expired".into()));
        }
        if owner.run() != Run::Go {
            return Ok(None);
        }
        let Some(delay) = retry::delay_ms(error.failure, *failures, error.retry_after_ms, transport.random()) else {
            return Err(match (error.failure, error.code) {
                (_, Some(code)) => FileError::Server(code),
                (Failure::Network, None) => FileError::Network,
                (Failure::Status(status), None) => FileError::Server(status.to_string()),
            });
        };
        owner.report(Report::Status(Status::Waiting));
        if transport.online() {
            transport.sleep(delay).await;
            *failures += 1;
        } else {
            // Offline is not a failure of the server: wait without using up attempts.
            transport.wait_online().await;
        }
        owner.report(Report::Status(Status::Uploading));
        if let Resend::AfterWait = resend {
            return Ok(None);
        }
    }
}

/// The server's offset for `url`, for deciding how to restore a remembered upload.
pub async fn probe<T: Transport, O: Owner>(transport: &T, owner: &O, url: &str) -> ServerState {
    let head = |token| Call { method: "HEAD", url, token, headers: &[], body: None };
    match request(transport, owner, &head, None, &mut 0, Resend::Yes).await {
        Ok(Some(answer)) => ServerState::Offset(answer.offset.unwrap_or(0)),
        Ok(None) => ServerState::Unknown,
        Err(FileError::Server(code)) if code == "upload_not_found" || code == "upload_expired" => ServerState::Gone,
        Err(_) => ServerState::Unknown,
    }
}

/// Uploads `source` to the tus `endpoint`, or resumes it at `existing`; answers the
/// upload id, or `None` when the file was removed meanwhile.
pub async fn upload<T: Transport, O: Owner>(
    transport: &T,
    owner: &O,
    endpoint: &str,
    source: Source<'_, T::Body>,
    existing: Option<String>,
) -> Result<Option<String>, FileError> {
    let length = source.length;
    // Ask the server where it is only when we may not know: when resuming an existing
    // upload, or after a pause or a failed chunk.
    let mut ask = existing.is_some();
    let url = match existing {
        Some(url) => url,
        None => {
            let metadata = tus::metadata(source.name, source.filetype, T::base64);
            let headers = [(tus::UPLOAD_LENGTH, length.to_string()), (tus::UPLOAD_METADATA, metadata)];
            let create = |token| Call { method: "POST", url: endpoint, token, headers: &headers, body: None };
            let Some(created) = request(transport, owner, &create, None, &mut 0, Resend::Yes).await? else {
                return Ok(None);
            };
            let location = created.location.ok_or(FileError::Server("no_location".into()))?;
            let url = transport.resolve(&location, endpoint).ok_or(FileError::Server("bad_location".into()))?;
            owner.report(Report::Created(url.clone()));
            url
        }
    };
    let upload_id = url.rsplit('/').next().unwrap_or_default().to_owned();

    let mut offset = 0u64;
    let mut chunk = plan::START_CHUNK;
    let mut failures = 0;
    loop {
        loop {
            match owner.run() {
                Run::Go => break,
                Run::Gone => return Ok(None),
                Run::Paused => {
                    ask = true;
                    transport.sleep(PAUSE_POLL_MS).await;
                }
            }
        }
        owner.report(Report::Status(Status::Uploading));
        if ask {
            let head = |token| Call { method: "HEAD", url: &url, token, headers: &[], body: None };
            match request(transport, owner, &head, None, &mut 0, Resend::Yes).await? {
                Some(answer) => offset = answer.offset.unwrap_or(offset),
                None => continue, // paused or removed: the top of the loop decides
            }
            ask = false;
        }
        let Some((start, end)) = plan::next_range(offset, length, chunk) else { return Ok(Some(upload_id)) };
        let body = transport.slice(source.body, start, end).ok_or(FileError::Network)?;
        let headers = [(tus::UPLOAD_OFFSET, start.to_string()), ("content-type", tus::OFFSET_OCTET_STREAM.to_owned())];
        let patch = |token| Call { method: "PATCH", url: &url, token, headers: &headers, body: Some(&body) };
        let progress: Progress = {
            let owner = owner.clone();
            Rc::new(move |sent: u64| owner.report(Report::Sent(start.saturating_add(sent).min(end))))
        };
        let started = transport.now_ms();
        match request(transport, owner, &patch, Some(progress), &mut failures, Resend::AfterWait).await? {
            Some(answer) => {
                failures = 0;
                let elapsed = (transport.now_ms() - started).max(1.0);
                offset = answer.offset.unwrap_or(end);
                owner.report(Report::Chunk { offset, speed: (end - start) as f64 * 1000.0 / elapsed });
                chunk = plan::next_chunk_size(end - start, elapsed);
                if offset >= length {
                    return Ok(Some(upload_id));
                }
            }
            // Paused, removed, or a failed chunk waited out: re-read the offset.
            None => ask = true,
        }
    }
}

#[cfg(test)]
mod tests {
    //! A fake tus server behind the transport, with a virtual clock: every request is
    //! logged, faults are scripted per request, and the bytes the server ends up with are
    //! compared with the file's.

    use super::*;
    use std::cell::{Cell, RefCell};
    use std::collections::{HashMap, VecDeque};
    use std::future::Future;
    use std::rc::Rc;
    use std::task::{Context, Poll, Waker};

    /// Runs a future that never waits on anything outside itself (the fakes are
    /// synchronous), to completion.
    fn run<F: Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut context = Context::from_waker(Waker::noop());
        for _ in 0..1_000_000 {
            if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
        }
        panic!("the upload never finished");
    }

    /// What the server does with the next request.
    #[derive(Clone, Debug)]
    enum Fault {
        /// The connection fails before the server sees anything.
        Network,
        /// A PATCH whose connection breaks after the server stored this many bytes.
        CutAfter(u64),
        /// An error answer with this code and `Retry-After` seconds.
        Status(u16, &'static str, Option<u32>),
        /// The request succeeds, and then this happens.
        Then(After),
    }

    #[derive(Clone, Copy, Debug)]
    enum After {
        /// The shopper pauses the file (for three pause polls).
        Pause,
        /// The shopper removes the file.
        Remove,
        /// The order token expires; the host page's next one is this.
        Expire(&'static str),
    }

    #[derive(Default)]
    struct World {
        now: f64,
        online: bool,
        /// Bytes per ms the "network" moves.
        bandwidth: f64,
        uploads: HashMap<String, (u64, Vec<u8>)>,
        faults: VecDeque<Option<Fault>>,
        log: Vec<String>,
        valid_token: String,
        slept: Vec<u32>,
        wait_online_calls: u32,
        /// What the shopper did that the file has not seen yet.
        shopper: Option<After>,
    }

    #[derive(Clone)]
    struct Fake(Rc<RefCell<World>>);

    impl Fake {
        fn new() -> Fake {
            Fake(Rc::new(RefCell::new(World {
                online: true,
                bandwidth: 1_000.0,
                valid_token: "t1".into(),
                ..World::default()
            })))
        }
        fn faults(&self, faults: Vec<Option<Fault>>) {
            self.0.borrow_mut().faults = faults.into();
        }
        fn log(&self) -> Vec<String> {
            self.0.borrow().log.clone()
        }
        fn stored(&self, id: &str) -> Vec<u8> {
            self.0.borrow().uploads[id].1.clone()
        }
    }

    const ENDPOINT: &str = "https://shop.test/v1/uploads/";

    fn header<'a>(call: &'a Call<'_, Rc<[u8]>>, name: &str) -> Option<&'a str> {
        call.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    impl Transport for Fake {
        type Body = Rc<[u8]>;

        async fn send(&self, call: Call<'_, Rc<[u8]>>, progress: Progress) -> Result<Answer, RequestError> {
            let mut world = self.0.borrow_mut();
            let id = call.url.rsplit('/').next().unwrap_or_default().to_owned();
            world.log.push(format!("{} {}", call.method, if call.method == "POST" { "" } else { &id }));
            let fault = world.faults.pop_front().flatten();
            let status = |status: u16, code: &str, retry_after: Option<u32>| RequestError {
                failure: Failure::Status(status),
                code: Some(code.to_owned()),
                retry_after_ms: retry_after.map(|s| s * 1000),
            };
            match &fault {
                Some(Fault::Network) => return Err(RequestError::network()),
                Some(Fault::Status(code, name, retry_after)) => return Err(status(*code, name, *retry_after)),
                _ => {}
            }
            if call.token.as_deref() != Some(world.valid_token.as_str()) {
                return Err(status(401, "order_token_expired", None));
            }
            let then = |world: &mut World| match fault {
                Some(Fault::Then(After::Expire(next))) => world.valid_token = next.to_owned(),
                Some(Fault::Then(after)) => world.shopper = Some(after),
                _ => {}
            };
            match call.method {
                "POST" => {
                    let length = header(&call, tus::UPLOAD_LENGTH).and_then(|v| v.parse().ok()).expect("length");
                    assert!(header(&call, tus::UPLOAD_METADATA).is_some_and(|m| m.contains("filename ")));
                    let id = format!("u{}", world.uploads.len() + 1);
                    world.uploads.insert(id.clone(), (length, Vec::new()));
                    then(&mut world);
                    Ok(Answer { offset: None, location: Some(format!("/v1/uploads/{id}")) })
                }
                "HEAD" => match world.uploads.get(&id) {
                    Some((_, bytes)) => {
                        let offset = bytes.len() as u64;
                        then(&mut world);
                        Ok(Answer { offset: Some(offset), location: None })
                    }
                    None => Err(status(404, "upload_not_found", None)),
                },
                "PATCH" => {
                    let offset: u64 = header(&call, tus::UPLOAD_OFFSET).and_then(|v| v.parse().ok()).expect("offset");
                    let body = call.body.expect("a PATCH has a body").clone();
                    let bandwidth = world.bandwidth;
                    let (length, bytes) = world.uploads.get_mut(&id).expect("known upload");
                    if offset != bytes.len() as u64 {
                        return Err(status(409, "offset_mismatch", None));
                    }
                    assert!(offset + body.len() as u64 <= *length, "never past Upload-Length");
                    let keep = match fault {
                        Some(Fault::CutAfter(n)) => (n as usize).min(body.len()),
                        _ => body.len(),
                    };
                    bytes.extend_from_slice(&body[..keep]);
                    let offset = bytes.len() as u64;
                    world.now += keep as f64 / bandwidth;
                    drop(world);
                    progress(keep as u64 / 2);
                    progress(keep as u64);
                    let mut world = self.0.borrow_mut();
                    if keep < body.len() {
                        return Err(RequestError::network());
                    }
                    then(&mut world);
                    Ok(Answer { offset: Some(offset), location: None })
                }
                other => panic!("unexpected {other}"),
            }
        }

        fn slice(&self, body: &Rc<[u8]>, start: u64, end: u64) -> Option<Rc<[u8]>> {
            body.get(start as usize..end as usize).map(Rc::from)
        }

        fn resolve(&self, location: &str, base: &str) -> Option<String> {
            let origin = base.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
            location.starts_with('/').then(|| format!("{origin}{location}"))
        }

        fn base64(bytes: &[u8]) -> String {
            // Only its presence is checked; hex stands in for it.
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        }

        async fn sleep(&self, ms: u32) {
            let mut world = self.0.borrow_mut();
            world.now += f64::from(ms);
            world.slept.push(ms);
        }

        async fn wait_online(&self) {
            let mut world = self.0.borrow_mut();
            world.wait_online_calls += 1;
            world.online = true;
        }

        fn online(&self) -> bool {
            self.0.borrow().online
        }

        fn now_ms(&self) -> f64 {
            self.0.borrow().now
        }

        fn random(&self) -> f64 {
            0.5
        }
    }

    /// The file's side: the shopper's pause/remove, the host page's tokens, and what the
    /// client reported.
    #[derive(Clone)]
    struct File {
        world: Fake,
        run: Rc<Cell<Run>>,
        /// Pause polls until the shopper resumes.
        paused_for: Rc<Cell<u32>>,
        token: Rc<RefCell<Option<String>>>,
        fresh_tokens: Rc<RefCell<VecDeque<String>>>,
        reports: Rc<RefCell<Vec<Report>>>,
    }

    impl File {
        fn new(world: &Fake) -> File {
            File {
                world: world.clone(),
                run: Rc::new(Cell::new(Run::Go)),
                paused_for: Rc::new(Cell::new(0)),
                token: Rc::new(RefCell::new(Some("t1".into()))),
                fresh_tokens: Rc::default(),
                reports: Rc::default(),
            }
        }
        fn sent(&self) -> Vec<u64> {
            self.reports.borrow().iter().filter_map(|r| if let Report::Sent(n) = r { Some(*n) } else { None }).collect()
        }
    }

    impl Owner for File {
        fn run(&self) -> Run {
            let shopper = self.world.0.borrow_mut().shopper.take();
            match shopper {
                Some(After::Pause) => {
                    self.run.set(Run::Paused);
                    self.paused_for.set(3);
                    self.world.0.borrow_mut().log.push("paused".into());
                }
                Some(After::Remove) => self.run.set(Run::Gone),
                _ => {}
            }
            if self.run.get() == Run::Paused {
                let left = self.paused_for.get();
                if left == 0 {
                    self.run.set(Run::Go);
                } else {
                    self.paused_for.set(left - 1);
                }
            }
            self.run.get()
        }
        fn token(&self) -> Option<String> {
            self.token.borrow().clone()
        }
        async fn refresh_token(&self) -> bool {
            let fresh = self.fresh_tokens.borrow_mut().pop_front();
            let ok = fresh.is_some();
            *self.token.borrow_mut() = fresh;
            ok
        }
        fn report(&self, report: Report) {
            self.reports.borrow_mut().push(report);
        }
    }

    fn bytes(n: usize) -> Rc<[u8]> {
        (0..n).map(|i| (i * 7 % 251) as u8).collect::<Vec<u8>>().into()
    }

    fn go(world: &Fake, file: &File, body: &Rc<[u8]>, existing: Option<&str>) -> Result<Option<String>, FileError> {
        let source = Source { body, length: body.len() as u64, name: "photo.jpg", filetype: "image/jpeg" };
        run(upload(world, file, ENDPOINT, source, existing.map(str::to_owned)))
    }

    #[test]
    fn uploads_in_chunks_that_follow_the_speed() {
        let world = Fake::new();
        let file = File::new(&world);
        // 20 MB at 1,000 B/ms: after the first 1 MiB chunk, chunks take two seconds.
        let body = bytes(20_000_000);
        assert_eq!(go(&world, &file, &body, None), Ok(Some("u1".into())));
        assert_eq!(world.stored("u1"), &body[..]);
        let log = world.log();
        assert_eq!(log[0], "POST ");
        assert!(!log.iter().any(|l| l.starts_with("HEAD")), "a fresh upload knows its offset: {log:?}");
        let chunks: Vec<u64> = file
            .reports
            .borrow()
            .iter()
            .filter_map(|r| if let Report::Chunk { offset, .. } = r { Some(*offset) } else { None })
            .collect();
        assert_eq!(chunks[0], plan::START_CHUNK);
        assert_eq!(chunks[1] - chunks[0], 2_000_000, "{chunks:?}");
        assert_eq!(*chunks.last().unwrap(), 20_000_000);
        assert!(file.reports.borrow().contains(&Report::Created("https://shop.test/v1/uploads/u1".into())));
        assert!(file.sent().windows(2).all(|w| w[0] <= w[1]), "progress only grows");
    }

    #[test]
    fn a_cut_chunk_resumes_from_the_servers_offset() {
        let world = Fake::new();
        let file = File::new(&world);
        let body = bytes(3_000_000);
        world.faults(vec![None, None, Some(Fault::CutAfter(300_000))]);
        assert_eq!(go(&world, &file, &body, None), Ok(Some("u1".into())));
        assert_eq!(world.stored("u1"), &body[..], "no byte lost or sent twice");
        let log = world.log();
        assert_eq!(&log[..5], ["POST ", "PATCH u1", "PATCH u1", "HEAD u1", "PATCH u1"], "{log:?}");
    }

    #[test]
    fn a_busy_server_is_waited_out_for_its_retry_after() {
        let world = Fake::new();
        let file = File::new(&world);
        let body = bytes(10_000);
        world.faults(vec![Some(Fault::Status(503, "busy", Some(7))), None]);
        assert_eq!(go(&world, &file, &body, None), Ok(Some("u1".into())));
        assert_eq!(world.0.borrow().slept, [7_000]);
        let reports = file.reports.borrow();
        let statuses: Vec<&Report> = reports.iter().filter(|r| matches!(r, Report::Status(_))).collect();
        assert_eq!(statuses[..2], [&Report::Status(Status::Waiting), &Report::Status(Status::Uploading)]);
    }

    #[test]
    fn an_expired_token_is_renewed_and_the_request_goes_again() {
        let world = Fake::new();
        let file = File::new(&world);
        file.fresh_tokens.borrow_mut().push_back("t2".into());
        let body = bytes(2_000_000);
        // The token runs out once the upload is created.
        world.faults(vec![Some(Fault::Then(After::Expire("t2")))]);
        assert_eq!(go(&world, &file, &body, None), Ok(Some("u1".into())));
        assert_eq!(world.stored("u1"), &body[..]);
        assert_eq!(file.token(), Some("t2".into()));
        assert_eq!(world.log()[..3], ["POST ", "PATCH u1", "PATCH u1"], "the refused PATCH went again");
        assert!(world.0.borrow().slept.is_empty(), "a renewal is not a backoff");
    }

    #[test]
    fn a_refused_renewal_fails_the_file_with_the_servers_code() {
        let world = Fake::new();
        let file = File::new(&world);
        world.0.borrow_mut().valid_token = "t9".into();
        assert_eq!(go(&world, &file, &bytes(100), None), Err(FileError::Server("order_token_expired".into())));
        assert_eq!(world.log(), ["POST "]);
    }

    #[test]
    fn a_final_refusal_is_not_retried() {
        let world = Fake::new();
        let file = File::new(&world);
        world.faults(vec![None, Some(Fault::Status(413, "upload_too_large", None))]);
        assert_eq!(go(&world, &file, &bytes(100), None), Err(FileError::Server("upload_too_large".into())));
        assert_eq!(world.log(), ["POST ", "PATCH u1"]);
        assert!(world.0.borrow().slept.is_empty());
    }

    #[test]
    fn a_remembered_upload_resumes_where_the_server_is() {
        let world = Fake::new();
        let file = File::new(&world);
        let body = bytes(1_500_000);
        world.0.borrow_mut().uploads.insert("u7".into(), (1_500_000, body[..600_000].to_vec()));
        let url = "https://shop.test/v1/uploads/u7";
        assert_eq!(go(&world, &file, &body, Some(url)), Ok(Some("u7".into())));
        assert_eq!(world.stored("u7"), &body[..]);
        assert_eq!(world.log(), ["HEAD u7", "PATCH u7"]);
        assert_eq!(file.sent().first(), Some(&(600_000 + 450_000)), "progress counts from the server's offset");
    }

    #[test]
    fn a_pause_sends_nothing_until_resumed_then_rereads_the_offset() {
        let world = Fake::new();
        let file = File::new(&world);
        let body = bytes(3_000_000);
        world.faults(vec![None, Some(Fault::Then(After::Pause))]);
        assert_eq!(go(&world, &file, &body, None), Ok(Some("u1".into())));
        assert_eq!(world.stored("u1"), &body[..]);
        let log = world.log();
        let paused = log.iter().position(|l| l == "paused").unwrap();
        assert_eq!(log[paused + 1], "HEAD u1", "{log:?}");
        assert_eq!(world.0.borrow().slept, [PAUSE_POLL_MS; 3]);
        assert!(file.reports.borrow().contains(&Report::Status(Status::Uploading)));
    }

    #[test]
    fn a_removed_file_stops_sending() {
        let world = Fake::new();
        let file = File::new(&world);
        world.faults(vec![None, Some(Fault::Then(After::Remove))]);
        assert_eq!(go(&world, &file, &bytes(3_000_000), None), Ok(None));
        assert_eq!(world.log().iter().filter(|l| l.starts_with("PATCH")).count(), 1);
    }

    #[test]
    fn offline_waits_for_the_network_without_using_up_attempts() {
        let world = Fake::new();
        let file = File::new(&world);
        world.0.borrow_mut().online = false;
        // Offline for the first failure (the fake comes back online when waited for),
        // then a failure and its MAX_ATTEMPTS retries, all counted: then the file gives up.
        world.faults(vec![Some(Fault::Network); 2 + retry::MAX_ATTEMPTS as usize]);
        let result = go(&world, &file, &bytes(100), None);
        assert_eq!(world.0.borrow().wait_online_calls, 1);
        assert_eq!(result, Err(FileError::Network));
        assert_eq!(world.0.borrow().slept.len(), retry::MAX_ATTEMPTS as usize);
        assert_eq!(world.log().len(), 2 + retry::MAX_ATTEMPTS as usize, "the offline failure was not counted");
    }

    #[test]
    fn network_failures_back_off_then_give_up() {
        let world = Fake::new();
        let file = File::new(&world);
        world.faults(vec![Some(Fault::Network); 20]);
        assert_eq!(go(&world, &file, &bytes(100), None), Err(FileError::Network));
        let slept = world.0.borrow().slept.clone();
        assert_eq!(slept.len(), retry::MAX_ATTEMPTS as usize);
        assert!(slept.windows(2).all(|w| w[0] <= w[1]), "backoff grows: {slept:?}");
    }

    #[test]
    fn probe_tells_gone_from_unknown() {
        let world = Fake::new();
        let file = File::new(&world);
        world.0.borrow_mut().uploads.insert("u1".into(), (10, vec![1, 2, 3]));
        assert_eq!(run(probe(&world, &file, "https://shop.test/v1/uploads/u1")), ServerState::Offset(3));
        assert_eq!(run(probe(&world, &file, "https://shop.test/v1/uploads/u2")), ServerState::Gone);
        world.faults(vec![Some(Fault::Status(410, "upload_expired", None))]);
        assert_eq!(run(probe(&world, &file, "https://shop.test/v1/uploads/u1")), ServerState::Gone);
        world.faults(vec![Some(Fault::Network); 20]);
        assert_eq!(run(probe(&world, &file, "https://shop.test/v1/uploads/u1")), ServerState::Unknown);
    }
}
