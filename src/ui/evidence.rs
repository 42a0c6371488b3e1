//! The evidence step: pick (camera, video camera, library), drop or paste photos and
//! videos; each shows a preview (a video's poster frame and duration), its state and
//! progress, and can be paused, moved earlier or later, or removed.
//! Used by the case flow; today shown on its own in the panel.

use aftercare_protocol::case::MediaKind;
use leptos::html;
use leptos::prelude::*;

use super::text;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, Event, FileList, HtmlInputElement};

use crate::i18n::Tr;
use crate::upload::session::{Evidence, FileError, FileState, Status};

fn add_all(evidence: Evidence, files: Option<FileList>) {
    let Some(files) = files else { return };
    for index in 0..files.length() {
        if let Some(file) = files.item(index) {
            evidence.add(file);
        }
    }
}

/// Moving a row moves its DOM node, which drops focus; give it back to the button.
fn keep_focus(event: web_sys::MouseEvent) {
    if let Some(button) = event.current_target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
        request_animation_frame(move || {
            let _ = button.focus();
        });
    }
}

/// An upload's progress in whole quarters (0–4), for announcements.
fn spoken_quarter(file: &FileState) -> u32 {
    ((file.sent.saturating_mul(4)).checked_div(file.size).unwrap_or(0) as u32).min(4)
}

fn status_line(tr: Tr, file: &FileState) -> String {
    match (&file.status, &file.error) {
        (Status::Failed, Some(FileError::Type("heic_not_supported"))) => tr.error_heic().to_owned(),
        (Status::Failed, Some(FileError::Type(_))) => tr.error_type().to_owned(),
        (Status::Failed, Some(FileError::TooLarge { max })) => tr.too_large(&tr.bytes(*max)),
        (Status::Failed, Some(FileError::TooMany { kind, max })) => tr.too_many(*kind == MediaKind::Photo, *max),
        (Status::Failed, Some(FileError::TooLong { max_seconds })) => tr.too_long(*max_seconds),
        (Status::Failed, Some(FileError::Network)) => tr.error_network().to_owned(),
        (Status::Failed, Some(FileError::Server(code))) => format!("{} ({code})", tr.error_server()),
        (Status::Failed, None) => tr.error_network().to_owned(),
        (Status::Reselect, Some(FileError::WrongFile)) | (Status::Failed, Some(FileError::WrongFile)) => {
            tr.error_wrong_file().to_owned()
        }
        (Status::Reselect, _) => tr.status_reselect().to_owned(),
        (Status::Checking, _) => tr.status_checking().to_owned(),
        (Status::Preparing, _) => tr.status_preparing().to_owned(),
        (Status::Paused, _) => tr.status_paused().to_owned(),
        (Status::Waiting, _) => tr.status_waiting().to_owned(),
        (Status::Done, _) => tr.status_done().to_owned(),
        (Status::Uploading, _) => {
            let percent = (file.sent * 100).checked_div(file.size).unwrap_or(0) as u32;
            tr.uploading(percent.min(100), &tr.bytes(file.speed as u64))
        }
    }
}

#[component]
pub fn EvidenceStep(
    /// The current translations.
    tr: Memo<Tr>,
    /// The evidence list and its uploads.
    evidence: Evidence,
) -> impl IntoView {
    let camera = NodeRef::<html::Input>::new();
    let recorder = NodeRef::<html::Input>::new();
    let library = NodeRef::<html::Input>::new();
    let dragging = RwSignal::new(false);
    let picked = move |event: Event| {
        let input: HtmlInputElement = event.target().expect("change has a target").unchecked_into();
        add_all(evidence, input.files());
        input.set_value("");
    };
    let open = |input: NodeRef<html::Input>| {
        move |_| {
            if let Some(input) = input.get() {
                input.click();
            }
        }
    };
    let drop = move |event: DragEvent| {
        event.prevent_default();
        dragging.set(false);
        add_all(evidence, event.data_transfer().and_then(|t| t.files()));
    };
    let paste = move |event: web_sys::ClipboardEvent| {
        if let Some(files) = event.clipboard_data().and_then(|d| d.files()).filter(|f| f.length() > 0) {
            event.prevent_default();
            add_all(evidence, Some(files));
        }
    };
    // What a screen reader hears: the file whose state changed, with its new state;
    // progress only in quarters (each percent and the speed would talk over everything).
    let heard = Memo::new(move |_| {
        evidence.files.with(|files| files.iter().map(|f| (f.key, f.status, spoken_quarter(f))).collect::<Vec<_>>())
    });
    let announcement = RwSignal::new(String::new());
    let mut before: Option<Vec<(u32, Status, u32)>> = None;
    super::effect(move || {
        let now = heard.get();
        if let Some(before) = &before {
            if let Some(&(key, _, _)) = now.iter().find(|entry| !before.contains(entry)) {
                let tr = tr.get_untracked();
                let said = evidence.files.with_untracked(|files| {
                    files.iter().find(|f| f.key == key).map(|f| match f.status {
                        Status::Uploading => format!("{}: {}", f.name, tr.uploading_spoken(spoken_quarter(f) * 25)),
                        _ => format!("{}: {}", f.name, status_line(tr, f)),
                    })
                });
                if let Some(said) = said {
                    announcement.set(said);
                }
            }
        }
        before = Some(now);
    });

    view! {
        <section
            class="ac-evidence"
            class:ac-evidence--dragging=dragging
            aria-labelledby="ac-evidence-title"
            on:dragover={super::handler(move |event: DragEvent| {
                event.prevent_default();
                dragging.set(true);
            })}
            on:dragleave={super::handler(move |_| dragging.set(false))}
            on:drop={super::handler(drop)}
            on:paste={super::handler(paste)}
            data-testid="evidence"
        >
            <h3 id="ac-evidence-title" class="ac-card__title">{text(tr, Tr::evidence_title)}</h3>
            <p class="ac-muted">{text(tr, Tr::evidence_hint)}</p>
            <div class="ac-actions">
                <button type="button" class="ac-button ac-button--secondary" on:click={super::handler(open(camera))} data-testid="take-photo">
                    {text(tr, Tr::take_photo)}
                </button>
                <button type="button" class="ac-button ac-button--secondary" on:click={super::handler(open(recorder))} data-testid="record-video">
                    {text(tr, Tr::record_video)}
                </button>
                <button type="button" class="ac-button" on:click={super::handler(open(library))} data-testid="choose-files">
                    {text(tr, Tr::choose_files)}
                </button>
            </div>
            // iOS: `capture` hides the library, and image+video in one accept offers
            // only video — so three inputs.
            <input class="ac-visually-hidden" type="file" accept="image/*" capture="environment" tabindex="-1" aria-hidden="true" aria-label=text(tr, Tr::take_photo) node_ref=camera on:change={super::handler(picked)}/>
            <input class="ac-visually-hidden" type="file" accept="video/*" capture="environment" tabindex="-1" aria-hidden="true" aria-label=text(tr, Tr::record_video) node_ref=recorder on:change={super::handler(picked)}/>
            <input
                class="ac-visually-hidden"
                type="file"
                multiple
                accept="image/jpeg,image/png,image/webp,video/mp4,video/quicktime,video/webm"
                tabindex="-1"
                aria-hidden="true"
                aria-label=text(tr, Tr::choose_files)
                node_ref=library
                on:change={super::handler(picked)}
                data-testid="file-input"
            />
            <p class="ac-evidence__drop ac-muted">{text(tr, Tr::drop_here)}</p>
            <ul class="ac-evidence__list" data-testid="evidence-list">
                <For
                    each=move || evidence.files.with(|files| files.iter().map(|f| (f.key, f.preview.clone(), f.kind)).collect::<Vec<_>>())
                    // Rows are keyed by file (and its preview) only: progress updates the
                    // row in place instead of rebuilding it (and reloading its preview).
                    key=|(key, preview, _)| (*key, preview.clone())
                    children=move |(key, preview, kind)| {
                        let file = Memo::new(move |_| evidence.files.with(|files| files.iter().find(|f| f.key == key).cloned()));
                        let field = move |read: fn(&FileState) -> String| move || file.with(|f| f.as_ref().map(read).unwrap_or_default());
                        let status = move || file.with(|f| f.as_ref().map(|f| f.status));
                        let percent = move || file.with(|f| f.as_ref().map_or(0.0, |f| if f.size == 0 { 0.0 } else { f.sent as f64 * 100.0 / f.size as f64 }));
                        let line = move || file.with(|f| f.as_ref().map(|f| status_line(tr.get(), f)).unwrap_or_default());
                        let saved = move || file.with(|f| {
                            f.as_ref()
                                .filter(|f| f.status != Status::Failed && f.size < f.original_size)
                                .map(|f| tr.get().saved(&tr.get().bytes(f.original_size), &tr.get().bytes(f.size)))
                        });
                        let active = move || matches!(status(), Some(Status::Uploading | Status::Waiting | Status::Paused));
                        let paused = move || status() == Some(Status::Paused);
                        let reselect = move || status() == Some(Status::Reselect);
                        let again = NodeRef::<html::Input>::new();
                        view! {
                            <li
                                class="ac-evidence__item"
                                class:ac-evidence__item--failed=move || status() == Some(Status::Failed)
                                data-testid="evidence-item"
                                data-status=move || status().map(Status::as_str).unwrap_or_default()
                                data-upload-id=field(|f| f.upload_id.clone().unwrap_or_default())
                            >
                                {match (preview, kind) {
                                    (Some(url), _) => view! { <img class="ac-evidence__thumb" src=url alt="" data-testid="evidence-thumb"/> }.into_any(),
                                    // A video the browser could not draw a frame of.
                                    (None, Some(MediaKind::Video)) => view! { <span class="ac-evidence__thumb ac-evidence__thumb--video" aria-hidden="true">"▶"</span> }.into_any(),
                                    (None, _) => view! { <span class="ac-evidence__thumb" aria-hidden="true"></span> }.into_any(),
                                }}
                                <div class="ac-evidence__body">
                                    <p class="ac-evidence__name">
                                        {field(|f| f.name.clone())}
                                        {move || file.with(|f| f.as_ref().and_then(|f| f.seconds)).map(|s| view! {
                                            <span class="ac-muted" data-testid="evidence-duration">" · "{Tr::clock_duration(s)}</span>
                                        })}
                                    </p>
                                    <progress max="100" prop:value=percent aria-label=field(|f| f.name.clone())></progress>
                                    <p class="ac-muted" data-testid="evidence-status">{line}</p>
                                    {move || saved().map(|text| view! { <p class="ac-muted" data-testid="evidence-saved">{text}</p> })}
                                </div>
                                <div class="ac-evidence__controls">
                                    <button
                                        type="button"
                                        class="ac-button ac-button--secondary"
                                        hidden=move || !active()
                                        on:click={super::handler(move |_| if paused() { evidence.resume(key) } else { evidence.pause(key) })}
                                        data-testid="evidence-pause"
                                    >
                                        {super::redraw(move || if paused() { tr.get().resume() } else { tr.get().pause() })}
                                    </button>
                                    <button
                                        type="button"
                                        class="ac-button"
                                        hidden=move || !reselect()
                                        on:click={super::handler(move |_| if let Some(input) = again.get() { input.click() })}
                                        data-testid="evidence-reselect"
                                    >
                                        {text(tr, Tr::choose_again)}
                                    </button>
                                    <input
                                        class="ac-visually-hidden"
                                        type="file"
                                        tabindex="-1"
                                        aria-hidden="true"
                                        aria-label=text(tr, Tr::choose_again)
                                        node_ref=again
                                        on:change={super::handler(move |event: Event| {
                                            let input: HtmlInputElement = event.target().expect("change has a target").unchecked_into();
                                            if let Some(chosen) = input.files().and_then(|files| files.item(0)) {
                                                evidence.reselect(key, chosen);
                                            }
                                            input.set_value("");
                                        })}
                                        data-testid="evidence-reselect-input"
                                    />
                                    <button
                                        type="button"
                                        class="ac-button ac-button--secondary ac-evidence__move"
                                        aria-label=move || format!("{} {}", tr.get().move_earlier(), file.with(|f| f.as_ref().map(|f| f.name.clone()).unwrap_or_default()))
                                        title=text(tr, Tr::move_earlier)
                                        disabled=move || evidence.files.with(|files| files.first().map(|f| f.key) == Some(key))
                                        on:click={super::handler(move |event: web_sys::MouseEvent| {
                                            evidence.move_by(key, -1);
                                            keep_focus(event);
                                        })}
                                        data-testid="evidence-earlier"
                                    >
                                        "↑"
                                    </button>
                                    <button
                                        type="button"
                                        class="ac-button ac-button--secondary ac-evidence__move"
                                        aria-label=move || format!("{} {}", tr.get().move_later(), file.with(|f| f.as_ref().map(|f| f.name.clone()).unwrap_or_default()))
                                        title=text(tr, Tr::move_later)
                                        disabled=move || evidence.files.with(|files| files.last().map(|f| f.key) == Some(key))
                                        on:click={super::handler(move |event: web_sys::MouseEvent| {
                                            evidence.move_by(key, 1);
                                            keep_focus(event);
                                        })}
                                        data-testid="evidence-later"
                                    >
                                        "↓"
                                    </button>
                                    <button type="button" class="ac-button ac-button--secondary" on:click={super::handler(move |_| evidence.remove(key))} data-testid="evidence-remove">
                                        {text(tr, Tr::remove)}
                                    </button>
                                </div>
                            </li>
                        }
                    }
                />
            </ul>
            <p class="ac-visually-hidden" role="status" data-testid="evidence-announcer">{announcement}</p>
        </section>
    }
}
