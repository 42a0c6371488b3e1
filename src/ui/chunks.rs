//! The parts of the widget that arrive when chosen: the case flow (with evidence and
//! uploads), My requests, and the WeChat QR code (the QR encoder, for the merchants who
//! configure a WeChat account). With the `split` feature each is a wasm chunk
//! (`wasm_split`, cut by `scripts/build`'s splitter step): the first call fetches it,
//! [`prefetch`] fetches the first two while the panel is open and idle (the QR code is
//! fetched when its card is drawn), and a failed fetch shows a localised "could not
//! load" with a retry instead of breaking the widget. Without the feature (native and
//! browser tests) the same functions are plain calls.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use leptos::reactive::computed::ScopedFuture;

use aftercare_protocol::case::ProblemType;
use leptos::prelude::*;

use super::text;

use super::case::{CaseFlow, CaseView};
use super::qr::QrCode;
use super::requests::RequestsView;
use crate::i18n::Tr;
use crate::state::WidgetState;
use crate::upload::session::Evidence;

/// How the case flow is entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// As it was left (or the saved draft).
    Continue,
    /// "File a request": a new draft unless one is open.
    New,
    /// `openAfterSale(type)`.
    At(Option<ProblemType>),
}

/// The case flow's controllers, made once, in the chunk, under the widget's owner.
#[derive(Clone, Copy)]
pub struct Parts {
    state: WidgetState,
    owner: StoredValue<Option<Owner>>,
    made: StoredValue<Option<(CaseFlow, Evidence)>>,
}

impl Parts {
    pub fn new(state: WidgetState) -> Parts {
        Parts { state, owner: StoredValue::new(Owner::current()), made: StoredValue::new(None) }
    }
}

/// Why a chunk is not there: it could not be fetched or instantiated.
#[cfg(feature = "split")]
pub type Failed = leptos::wasm_split::SplitLoaderError;
#[cfg(not(feature = "split"))]
pub type Failed = std::convert::Infallible;

type Loading = Pin<Box<dyn Future<Output = Result<AnyView, Failed>>>>;

/// The case flow's and My requests' styles (`style/case.css`), adopted by whichever
/// of them is drawn first: they arrive with the chunk, not with the first module.
fn adopt_case_styles(state: WidgetState) {
    if state.case_styles.get_value() {
        return;
    }
    state.case_styles.set_value(true);
    if let Some(shadow) = state.host.with_value(|host| host.host.shadow_root()) {
        if crate::embed::adopt_stylesheet(&shadow, include_str!(concat!(env!("AFTERCARE_STYLE_DIR"), "/case.css")))
            .is_err()
        {
            crate::embed::console_error("the case flow's styles could not be adopted");
        }
    }
}

fn case_panel(tr: Memo<Tr>, parts: Parts, leave: Callback<()>, show_requests: Callback<()>, start: Start) -> AnyView {
    adopt_case_styles(parts.state);
    let (flow, evidence) = match parts.made.get_value() {
        Some(made) => made,
        None => {
            let make = || {
                let evidence = Evidence::new(parts.state);
                evidence.restore();
                (CaseFlow::new(parts.state, evidence), evidence)
            };
            let made = match parts.owner.get_value() {
                Some(owner) => owner.with(make),
                None => make(),
            };
            parts.made.set_value(Some(made));
            made
        }
    };
    match start {
        Start::Continue => {}
        Start::New => flow.start(),
        Start::At(kind) => flow.start_at(kind),
    }
    view! { <CaseView tr flow evidence on_leave=leave on_requests=show_requests/> }.into_any()
}

fn requests_panel(tr: Memo<Tr>, state: WidgetState) -> AnyView {
    adopt_case_styles(state);
    view! { <RequestsView tr state/> }.into_any()
}

#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(case, wasm_split_path = leptos::wasm_split, fallible)]
fn case_chunk(
    tr: Memo<Tr>,
    parts: Parts,
    leave: Callback<()>,
    show_requests: Callback<()>,
    start: Start,
) -> Result<AnyView, Failed> {
    Ok(case_panel(tr, parts, leave, show_requests, start))
}

#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(requests, wasm_split_path = leptos::wasm_split, fallible)]
fn requests_chunk(tr: Memo<Tr>, state: WidgetState) -> Result<AnyView, Failed> {
    Ok(requests_panel(tr, state))
}

fn qr_view(data: String, tr: Memo<Tr>, name: String) -> AnyView {
    let label = Signal::derive(move || tr.get().qr_label(&name));
    view! { <QrCode data label/> }.into_any()
}

#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(qr, wasm_split_path = leptos::wasm_split, fallible)]
fn qr_chunk(data: String, tr: Memo<Tr>, name: String) -> Result<AnyView, Failed> {
    Ok(qr_view(data, tr, name))
}

/// The QR code for `data`, named after the account `name`.
pub fn qr(data: String, tr: Memo<Tr>, name: String) -> Loading {
    #[cfg(feature = "split")]
    return Box::pin(qr_chunk(data, tr, name));
    #[cfg(not(feature = "split"))]
    Box::pin(std::future::ready(Ok(qr_view(data, tr, name))))
}

/// The case flow, entered as `start`.
pub fn case(tr: Memo<Tr>, parts: Parts, leave: Callback<()>, show_requests: Callback<()>, start: Start) -> Loading {
    #[cfg(feature = "split")]
    return Box::pin(case_chunk(tr, parts, leave, show_requests, start));
    #[cfg(not(feature = "split"))]
    Box::pin(std::future::ready(Ok(case_panel(tr, parts, leave, show_requests, start))))
}

/// My requests.
pub fn requests(tr: Memo<Tr>, state: WidgetState) -> Loading {
    #[cfg(feature = "split")]
    return Box::pin(requests_chunk(tr, state));
    #[cfg(not(feature = "split"))]
    Box::pin(std::future::ready(Ok(requests_panel(tr, state))))
}

/// Fetches both chunks when the browser is idle (nothing without the `split` feature).
pub fn prefetch() {
    #[cfg(feature = "split")]
    {
        use wasm_bindgen::JsCast;
        let fetch = wasm_bindgen::closure::Closure::once_into_js(|| {
            leptos::task::spawn_local(async {
                let _ = __wasm_split_preload_case_chunk().await;
                let _ = __wasm_split_preload_requests_chunk().await;
            })
        });
        if let Some(window) = web_sys::window() {
            let _ = window.request_idle_callback(fetch.unchecked_ref());
        }
    }
}

/// A chunk's view once it has arrived; until then nothing (it is prefetched), and if
/// it cannot be fetched a notice with a retry button. (A signal and a task rather than
/// `<Suspense>`: the first module then carries no suspense machinery, ~5 KB brotli.)
#[component]
pub fn Chunk(tr: Memo<Tr>, load: impl Fn() -> Loading + 'static) -> impl IntoView {
    chunk(tr, Rc::new(load))
}

/// [`Chunk`]'s body, compiled once rather than once for each chunk's `load`.
fn chunk(tr: Memo<Tr>, load: Rc<dyn Fn() -> Loading>) -> impl IntoView {
    // What arrived, taken when it is drawn; `arrivals` counts what arrived.
    let arrived = StoredValue::new_local(None::<Result<AnyView, Failed>>);
    let arrivals = RwSignal::new(0u32);
    // Once this place is gone, a chunk still on its way is not drawn (nor its view made).
    let gone = Arc::new(AtomicBool::new(false));
    on_cleanup({
        let gone = gone.clone();
        move || gone.store(true, Ordering::Relaxed)
    });
    let owner = Owner::current().unwrap_or_default();
    // `load` need not be `Send`; the closures below must be.
    let load = StoredValue::new_local(load);
    let fetch = move |first: bool| {
        let arrive = move |outcome| {
            if arrived.try_set_value(Some(outcome)).is_none() {
                arrivals.try_update(|n| *n += 1);
            }
        };
        // Polled under this component's owner, as the chunk's components are made.
        let mut loading = Box::pin(owner.with(|| ScopedFuture::new_untracked(load.with_value(|load| load()))));
        // The first time, polled at once: a chunk already there (or none, in tests) is
        // drawn in this same pass. Then the same future goes on in a task, as
        // `<Suspense>` does it; a retry goes straight to a task.
        if first {
            if let Poll::Ready(outcome) = loading.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                return arrive(outcome);
            }
        }
        let gone = gone.clone();
        leptos::task::spawn_local(async move {
            let outcome = std::future::poll_fn(|cx| {
                if gone.load(Ordering::Relaxed) {
                    Poll::Ready(None)
                } else {
                    loading.as_mut().poll(cx).map(Some)
                }
            });
            if let Some(outcome) = outcome.await {
                arrive(outcome);
            }
        });
    };
    fetch(true);
    move || {
        arrivals.track();
        match arrived.try_update_value(Option::take).flatten()? {
            Ok(view) => Some(view),
            #[allow(unreachable_patterns)]
            Err(_) => {
                let retry = fetch.clone();
                Some(
                view! {
                    <p class="ac-notice" role="alert" data-testid="chunk-failed">
                        {text(tr, Tr::chunk_failed)}
                        " "
                        <button type="button" class="ac-text-button" data-testid="chunk-retry" on:click={super::handler(move |_| retry(false))}>
                            {text(tr, Tr::retry)}
                        </button>
                    </p>
                }
                .into_any(),
                )
            }
        }
    }
}
