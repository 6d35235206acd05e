//! The tutorial catalog: every workload the CLI, the benchmark and the playground can run.
//!
//! (Filled in by the catalog work; see `with_workload` and `catalog`.)

use crate::error::{Error, Result};
use crate::workload::{Params, Workload, WorkloadInfo};

/// Receives a concrete workload; lets type-erased callers (CLI, web) work with any catalog entry.
pub trait WorkloadVisitor {
    type Output;
    fn visit<W: Workload>(self, workload: W) -> Self::Output;
}

/// Builds the catalog workload `name` with `params` and hands it to `visitor`.
pub fn with_workload<V: WorkloadVisitor>(
    name: &str,
    params: &Params,
    visitor: V,
) -> Result<V::Output> {
    let _ = (params, visitor);
    Err(Error::UnknownWorkload(name.to_string()))
}

/// Every catalog workload, described with its default parameters.
pub fn catalog() -> Vec<WorkloadInfo> {
    Vec::new()
}
