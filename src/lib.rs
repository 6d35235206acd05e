//! Amorsize: should this map run in parallel, with how many workers, and what chunk size?

pub mod cancel;
pub mod clock;
pub mod error;
pub mod pool;
pub mod workload;
pub mod workloads;

pub use cancel::CancelToken;
pub use error::{Error, Result};
pub use workload::{ParamKind, ParamSpec, ParamValue, Params, Workload, WorkloadInfo};
