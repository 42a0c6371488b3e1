//! The panel: a modal dialog (a bottom sheet on phones) holding the channel picker,
//! the FAQ and the entry to the after-sale case flow.
//!
//! The case flow (with evidence and uploads) and My requests are reached through
//! `chunks`: with the `split` feature (what `scripts/build` ships) each is its own
//! wasm chunk, fetched when chosen and prefetched when the panel opens; without it
//! (tests) they are plain calls.

mod case;
mod channels;
mod chunks;
mod evidence;
mod faq;
mod qr;
mod requests;

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use crate::i18n::Tr;
use crate::state::use_widget;

use chunks::{Chunk, Start};

/// What the panel's body shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Home,
    Case,
    Requests,
}
use channels::ChannelList;
use faq::Faq;

const FOCUSABLE: &str = "a[href]:not([tabindex='-1']), button:not([disabled]):not([tabindex='-1']), \
    input:not([disabled]):not([tabindex='-1']), [tabindex]:not([tabindex='-1'])";

#[component]
pub fn App() -> impl IntoView {
    let state = use_widget();
    let tr = Memo::new(move |_| Tr(state.locale.get()));
    let panel = NodeRef::<html::Section>::new();
    // The case flow's controllers, made when it is first shown (they live as long as
    // the widget: a draft and its uploads carry on while the shopper looks elsewhere).
    let parts = chunks::Parts::new(state);
    // The case flow, or the shopper's requests, take the panel's body when chosen.
    let shown = RwSignal::new(Panel::Home);
    let start = StoredValue::new(Start::Continue);
    let leave = Callback::new(move |()| shown.set(Panel::Home));
    let show_requests = Callback::new(move |()| shown.set(Panel::Requests));
    // The host page asked for the case flow (`Aftercare.openAfterSale(type?)`).
    effect(move || {
        if let Some(kind) = state.case_request.get() {
            start.set_value(Start::At(kind));
            shown.set(Panel::Case);
            state.case_request.set(None);
        }
    });
    // Whether the panel has been open (its home body is built the first time).
    let opened = Memo::new(move |before: Option<&bool>| before.copied().unwrap_or(false) || state.open.get());
    // The host page (an email's link) asked for a case: My requests shows it.
    effect(move || {
        if state.case_focus.with(Option::is_some) {
            shown.set(Panel::Requests);
            if state.case_focus.with_untracked(|id| id.as_deref() == Some("")) {
                state.case_focus.set(None); // the list, no case to find
            }
        }
    });
    // Once the panel opens, the chunks come while the shopper reads (idle time).
    effect(move || {
        if state.open.get() {
            chunks::prefetch();
        }
    });

    // The launcher belongs to the loader; keep its label and state in step.
    effect(move || {
        let launcher = state.launcher();
        launcher.set_text_content(Some(tr.get().launcher));
        let _ = launcher.set_attribute("aria-expanded", if state.open.get() { "true" } else { "false" });
        // The unread badge (drawn by the loader's CSS from `data-unread`) and its words.
        match state.unread.get() {
            0 => {
                let _ = launcher.remove_attribute("data-unread");
                let _ = launcher.remove_attribute("aria-label");
            }
            n => {
                let shown = if n > 99 { "99+".to_owned() } else { n.to_string() };
                let _ = launcher.set_attribute("data-unread", &shown);
                let _ = launcher.set_attribute("aria-label", &tr.get().launcher_unread(n));
            }
        }
    });

    // Move focus into the dialog when it opens, or to the channel asked for.
    effect(move || {
        let open = state.open.get();
        let highlighted = state.highlighted.get();
        let Some(panel) = panel.get() else { return };
        // Inline, the panel is part of the page: it takes focus only to show a channel.
        if open && (highlighted.is_some() || !state.inline) {
            // After this turn's DOM updates: a still-hidden panel cannot take focus.
            set_timeout(move || focus_target(&panel, highlighted), std::time::Duration::ZERO);
        }
    });

    // Refresh "now" while the panel is open, for the open-now lines.
    let ticker = set_interval_with_handle(
        move || {
            if state.open.get_untracked() {
                state.now.set(crate::clock::now_millis());
            }
        },
        std::time::Duration::from_secs(30),
    );
    on_cleanup(move || {
        if let Ok(ticker) = ticker {
            ticker.clear();
        }
    });

    let close = move || state.close();

    // Esc closes; Tab and Shift+Tab stay inside the dialog (inline, it is part of the page).
    let on_keydown = move |event: KeyboardEvent| {
        if state.inline {
            return;
        }
        if event.key() == "Escape" {
            event.prevent_default();
            close();
            return;
        }
        if event.key() != "Tab" {
            return;
        }
        let Some(panel) = panel.get() else { return };
        let Ok(nodes) = panel.query_selector_all(FOCUSABLE) else { return };
        let focusables: Vec<web_sys::HtmlElement> = (0..nodes.length())
            .filter_map(|i| nodes.item(i)?.dyn_into::<web_sys::HtmlElement>().ok())
            .filter(|el| el.offset_parent().is_some())
            .collect();
        let (Some(first), Some(last)) = (focusables.first(), focusables.last()) else { return };
        let active =
            panel.get_root_node().dyn_into::<web_sys::ShadowRoot>().ok().and_then(|root| root.active_element());
        let at_first = active.as_ref().is_none_or(|a| {
            a == first.unchecked_ref::<web_sys::Element>() || a == panel.unchecked_ref::<web_sys::Element>()
        });
        let at_last = active.as_ref().is_some_and(|a| a == last.unchecked_ref::<web_sys::Element>());
        if event.shift_key() && at_first {
            event.prevent_default();
            let _ = last.focus();
        } else if !event.shift_key() && at_last {
            event.prevent_default();
            let _ = first.focus();
        }
    };

    view! {
        <div class="ac-root" lang=move || state.locale.get().tag() data-testid="root">
            <div class="ac-backdrop" hidden=move || !state.open.get() on:click={handler(move |_| close())}></div>
            <section
                class="ac-panel"
                role="dialog"
                aria-modal="true"
                aria-labelledby="ac-title"
                tabindex="-1"
                hidden=move || !state.open.get()
                node_ref=panel
                on:keydown={handler(on_keydown)}
                data-testid="panel"
            >
                <header class="ac-panel__header">
                    <div>
                        <h2 id="ac-title" class="ac-panel__title">{text(tr, |t| t.dialog_title)}</h2>
                        {move || state.order_id().map(|id| view! {
                            <p class="ac-panel__order" data-testid="order-number">{tr.get().order_number(&id)}</p>
                        })}
                    </div>
                    <button
                        type="button"
                        class="ac-icon-button"
                        aria-label=text(tr, |t| t.close)
                        on:click={handler(move |_| close())}
                        data-testid="close"
                    >
                        <span aria-hidden="true">"×"</span>
                    </button>
                </header>
                // Built when the panel first opens, not when the widget starts: starting
                // and showing the channels are then two tasks on the host page.
                {move || opened.get().then(|| view! {
                <div class="ac-panel__body" hidden=move || shown.get() != Panel::Home>
                    // A case needs a backend and an order to file against.
                    {(state.endpoint.get_value().is_some()).then(|| view! {
                        <section class="ac-card ac-card--case" aria-labelledby="ac-case-title" data-testid="case-entry" hidden=move || state.order.with(Option::is_none)>
                            <h3 id="ac-case-title" class="ac-card__title">{text(tr, |t| t.case_title)}</h3>
                            <p class="ac-muted">{text(tr, |t| t.case_coming)}</p>
                            <div class="ac-actions">
                                <button type="button" class="ac-button" on:click={handler(move |_| { start.set_value(Start::New); shown.set(Panel::Case); })} data-testid="case-start">
                                    {text(tr, Tr::case_start)}
                                </button>
                                <button type="button" class="ac-button ac-button--secondary" on:click={handler(move |_| shown.set(Panel::Requests))} data-testid="requests-open">
                                    {text(tr, Tr::my_requests)}
                                </button>
                            </div>
                        </section>
                    })}
                    <ChannelList tr=tr/>
                    <Faq tr=tr/>
                </div>
                })}
                {move || match shown.get() {
                    Panel::Home => ().into_any(),
                    Panel::Case => {
                        let how = start.get_value();
                        start.set_value(Start::Continue);
                        let case = move || chunks::case(tr, parts, leave, show_requests, how);
                        view! { <div class="ac-panel__body"><Chunk tr load=case/></div> }.into_any()
                    }
                    Panel::Requests => view! {
                        <div class="ac-panel__body">
                            <button type="button" class="ac-text-button" on:click={handler(move |_| shown.set(Panel::Home))} data-testid="requests-back">
                                {text(tr, Tr::cancel_case)}
                            </button>
                            <Chunk tr load=move || chunks::requests(tr, state)/>
                        </div>
                    }.into_any(),
                }}
            </section>
        </div>
    }
}

/// A fixed string of the current language, as a text node or an attribute's value.
///
/// Every call returns the same closure type (the string is chosen by a `fn` pointer),
/// so tachys compiles its render code once for all of them; a `move || tr.get().close`
/// at each place would be its own monomorphised copy.
pub(crate) fn text(
    tr: Memo<Tr>,
    pick: fn(Tr) -> &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || pick(tr.get())
}

/// A part of a view drawn again when what it reads changes, e.g. `{redraw(move || …)}`.
///
/// The closure is boxed, so tachys compiles its render effect once per type drawn
/// (`String`, `Option<AnyView>`…), not once per closure.
pub(crate) fn redraw<V: 'static>(draw: impl Fn() -> V + Send + Sync + 'static) -> Box<dyn Fn() -> V + Send + Sync> {
    Box::new(draw)
}

/// An event handler, `on:click={handler(move |_| …)}`.
///
/// Boxed, so all the handlers of one kind of event are one type to tachys, which then
/// compiles their attribute code once (with `erase_components` each attribute is
/// erased by its type: a closure per handler would be a copy per handler).
pub(crate) fn handler<E: 'static>(run: impl FnMut(E) + 'static) -> Box<dyn FnMut(E)> {
    Box::new(run)
}

/// An effect: `run` runs now, and again whenever a signal it read changes.
///
/// The closure is boxed, so `Effect::new`'s task loop is compiled once for all effects
/// (about 1.2 KB of wasm per closure type otherwise). What one run leaves for the next
/// lives in the closure (`let mut before = None;` outside, `move ||` inside).
pub(crate) fn effect(run: impl FnMut() + 'static) {
    Effect::new(Box::new(run) as Box<dyn FnMut()>);
}

/// The text of the `<input>` or `<textarea>` an input event came from.
pub(crate) fn value_of(event: &web_sys::Event) -> String {
    let target = event.target().expect("input events have a target");
    match target.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        Some(area) => area.value(),
        None => target.unchecked_into::<web_sys::HtmlInputElement>().value(),
    }
}

/// Focuses the card of the channel asked for, or else the dialog itself.
fn focus_target(panel: &web_sys::HtmlElement, highlighted: Option<crate::config::ChannelKind>) {
    let target = highlighted
        .and_then(|kind| panel.query_selector(&format!("[data-channel='{}']", kind.as_str())).ok().flatten())
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    match target {
        Some(card) => {
            card.scroll_into_view();
            let _ = card.focus();
        }
        None => {
            let _ = panel.focus();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn sources(dir: &Path, found: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }

    /// The helpers keep the wasm small only while every view uses them: an `on:` handler
    /// or an effect written around them compiles tachys' or reactive_graph's generic
    /// code again, a few hundred bytes each, below what the size budgets notice.
    #[test]
    fn handlers_and_effects_go_through_the_helpers() {
        let mut found = Vec::new();
        sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
        let mut wrong = Vec::new();
        for (path, text) in &found {
            for (number, line) in text.lines().enumerate() {
                let bare_handler = line.match_indices("on:").any(|(at, _)| {
                    let rest = &line[at + 3..];
                    let name = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_lowercase()).len();
                    name > 0 && rest[name..].starts_with('=') && !rest[name + 1..].starts_with('{')
                });
                let bare_effect = line.contains("Effect::new(") && !line.contains("Effect::new(Box::new(run)");
                if bare_handler || bare_effect {
                    wrong.push(format!("{path}:{}: {}", number + 1, line.trim()));
                }
            }
        }
        assert!(wrong.is_empty(), "use ui::handler / ui::effect:\n{}", wrong.join("\n"));
    }
}
