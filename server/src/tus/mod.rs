//! The tus 1.0 resumable-upload protocol (core + creation, creation-with-upload,
//! expiration, checksum, termination) at `/v1/uploads/`.

pub mod headers;
