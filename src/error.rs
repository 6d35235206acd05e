//! The engine's error type.

use serde::Serialize;

/// Everything the public API can refuse or fail with.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Error {
    #[error("the input is empty: there is nothing to map")]
    EmptyInput,
    #[error("workers must be at least 1 (got 0)")]
    ZeroWorkers,
    #[error("chunk size must be at least 1 (got 0)")]
    ZeroChunkSize,
    #[error("{requested} workers asked for, but this platform's pool has {available} threads")]
    TooManyWorkers { requested: usize, available: usize },
    #[error("the function panicked on item {index}: {message}")]
    Panicked { index: usize, message: String },
    #[error("cancelled")]
    Cancelled,
    #[error("cold start needs a fresh thread pool, which this platform cannot create per run")]
    ColdStartUnsupported,
    #[error("item {index} could not be copied across the worker boundary: {message}")]
    Transfer { index: usize, message: String },
    #[error("invalid parameter `{name}`: {message}")]
    InvalidParameter { name: String, message: String },
    #[error("unknown workload `{0}`; `amorsize list` shows the catalog")]
    UnknownWorkload(String),
    #[error("{0}")]
    Script(crate::script::ScriptError),
    #[error(
        "this job needs about {} ({detail}), but only {} of the engine's {} limit is free; \
         use fewer items or smaller items and results",
        crate::units::bytes(*needed as f64), crate::units::bytes(*available as f64),
        crate::units::bytes(*limit as f64)
    )]
    TooBig {
        needed: u64,
        available: u64,
        limit: u64,
        detail: String,
    },
    #[error(
        "this {what} is predicted to take {}, over the {} limit; {}",
        crate::units::duration(*predicted_s), crate::units::duration(*limit_s),
        if *confirmable {
            "confirm to run it anyway"
        } else {
            "that is longer than a page should be left running: use fewer or cheaper items"
        }
    )]
    TooLong {
        what: String,
        predicted_s: f64,
        limit_s: f64,
        /// Whether a visitor may reasonably confirm it (`policy::CONFIRMABLE_JOB_S`). The
        /// message is shown to visitors, so it names no API field: a request confirms with
        /// `allow_long: true`, whether or not this is set.
        confirmable: bool,
    },
}

impl Error {
    /// The `kind` this error serializes with, such as `"zero_workers"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::EmptyInput => "empty_input",
            Error::ZeroWorkers => "zero_workers",
            Error::ZeroChunkSize => "zero_chunk_size",
            Error::TooManyWorkers { .. } => "too_many_workers",
            Error::Panicked { .. } => "panicked",
            Error::Cancelled => "cancelled",
            Error::ColdStartUnsupported => "cold_start_unsupported",
            Error::Transfer { .. } => "transfer",
            Error::InvalidParameter { .. } => "invalid_parameter",
            Error::UnknownWorkload(_) => "unknown_workload",
            Error::Script(_) => "script",
            Error::TooBig { .. } => "too_big",
            Error::TooLong { .. } => "too_long",
        }
    }

    /// The error of a map over a slice that starts at item `first` of the input, with its item
    /// index made absolute.
    pub(crate) fn offset_items(self, first: usize) -> Error {
        match self {
            Error::Panicked { index, message } => Error::Panicked {
                index: first + index,
                message,
            },
            Error::Transfer { index, message } => Error::Transfer {
                index: first + index,
                message,
            },
            other => other,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
