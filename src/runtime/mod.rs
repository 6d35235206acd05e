//! The machinery under every run: result slots that workers fill in place, the shared-counter
//! schedule, and the copy path. The executor, the sampler and the calibrator all run maps
//! through it; it knows nothing of plans or models.

pub(crate) mod copy;
pub(crate) mod schedule;
pub(crate) mod slots;
pub(crate) mod wakes;
