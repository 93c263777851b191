//! Decodes arbitrary bytes as an `AdmissionReview` and encodes the answer the server would
//! send: neither may panic, and every answer must be JSON.

#![no_main]

use bucketstatestore_webhook::{
    policy::Verdict,
    review::{self, Unreadable},
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let answer = match review::decode(body) {
        Ok(request) => {
            let _ = review::scope(&request);
            let verdict = Verdict::Allow {
                warnings: Vec::new(),
            };
            Some(review::encode(review::answer(&request, &verdict)))
        }
        Err(unreadable @ Unreadable::Request { .. }) => unreadable.answer(),
        Err(Unreadable::Body { .. }) => None,
    };
    if let Some(answer) = answer {
        let parsed = serde_json::from_slice::<serde_json::Value>(&answer);
        assert!(parsed.is_ok(), "an answer that is not JSON");
    }
});
