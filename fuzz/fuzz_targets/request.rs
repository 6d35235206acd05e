//! Any text, decoded as a request of the service's protocol: it decodes or is refused with an
//! error naming the request, validates or is refused naming the field, and the kinds that run
//! no job answer. Nothing panics. (Kinds that run a job are covered up to their validation:
//! running them would measure, not fuzz.)
#![no_main]

use amorsize::playground::service::{undecodable, Kind, Request, Service};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let request: Request = match serde_json::from_str(text) {
        Ok(request) => request,
        Err(e) => {
            assert_eq!(undecodable(e).kind(), "invalid_parameter");
            return;
        }
    };
    let validated = request.validate();
    let runs_no_job = matches!(
        request.kind,
        Kind::Catalog | Kind::Policy | Kind::Verdict | Kind::BenchSummary
    );
    if validated.is_ok() && runs_no_job {
        if let Ok(response) = Service::new().handle(&request, &|_| {}) {
            serde_json::to_string(&response).expect("responses serialize");
        }
    }
});
