//! Controllers: the widget's behaviour between the API and the views — what to load,
//! when to refresh, what an action sends and what its answer changes. Views in `ui/`
//! render their signals and call their methods; nothing here draws.

pub mod case;
pub mod requests;
