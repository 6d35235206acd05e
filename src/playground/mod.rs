//! The playground around the engine: the tutorial catalog of workloads, jobs built from it by
//! name or from a visitor's own script, the measured studies the pages chart, the truth
//! benchmark, and the request service that the CLI and the browser both speak to.
//!
//! Nothing in the engine imports this module; it only uses the engine's public API.

pub mod baseline;
pub mod benchmark;
pub mod catalog;
pub mod function_job;
pub mod job;
pub mod policy;
pub mod service;
pub mod study;
