//! The FAQ, searchable as you type.

use leptos::prelude::*;

use super::text;

use crate::faq::search;
use crate::i18n::Tr;
use crate::state::use_widget;

#[component]
pub fn Faq(
    /// The current translations.
    tr: Memo<Tr>,
) -> impl IntoView {
    let state = use_widget();
    let query = RwSignal::new(String::new());
    let results = Memo::new(move |_| {
        let locale = state.locale.get();
        state.config.with(|config| {
            search(&config.faq, locale, &query.get())
                .into_iter()
                .map(|index| (config.faq[index].q.get(locale).to_owned(), config.faq[index].a.get(locale).to_owned()))
                .collect::<Vec<_>>()
        })
    });

    view! {
        <section class="ac-faq" aria-labelledby="ac-faq-title" data-testid="faq">
            <h3 id="ac-faq-title" class="ac-section-title">{text(tr, |t| t.faq_heading)}</h3>
            <input
                class="ac-input"
                type="search"
                aria-label=text(tr, |t| t.faq_search)
                placeholder=text(tr, |t| t.faq_search)
                prop:value=query
                on:input={super::handler(move |event: web_sys::Event| query.set(event_target_value(&event)))}
                data-testid="faq-search"
            />
            <p class="ac-visually-hidden" role="status">{super::redraw(move || tr.get().faq_count(results.with(Vec::len)))}</p>
            <ul class="ac-faq__list" data-testid="faq-list">
                {move || {
                    results
                        .get()
                        .into_iter()
                        .map(|(question, answer)| {
                            view! {
                                <li>
                                    <details class="ac-faq__item" data-testid="faq-item">
                                        <summary>{question}</summary>
                                        <p>{answer}</p>
                                    </details>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <p class="ac-muted" hidden=move || results.with(|r| !r.is_empty()) data-testid="faq-empty">
                {text(tr, |t| t.faq_none)}
            </p>
        </section>
    }
}
