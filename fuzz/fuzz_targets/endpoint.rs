//! Judges an arbitrary string as `spec.endpoint`, with and without `insecure`: the rules
//! may deny or warn but never panic.

#![no_main]

use bucketstatestore_webhook::policy::{Findings, endpoint};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, bool)| {
    let (text, insecure) = input;
    let mut findings = Findings::default();
    endpoint::check_endpoint(text, insecure, &mut findings);
    let _ = findings.is_allowed();
    let _ = endpoint::is_amazon_host(text);
});
