//! Whether a figure came from a measurement on this machine or was assumed: every cost and
//! profile figure carries one, and the report says which.

use serde::{Deserialize, Serialize};

/// Whether a figure came from a measurement on this machine or was assumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Measured,
    Assumed,
}
