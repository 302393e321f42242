//! The first error of one kind a process-wide stage met (a spill file that
//! could not be written, a read back that failed), kept for the end-of-run
//! summary while the stage goes on.

use std::fmt::Display;
use std::sync::Mutex;

/// The first error recorded, later ones dropped; usable as a `static`.
pub struct FirstError(Mutex<Option<String>>);

impl FirstError {
    /// None recorded yet.
    pub const fn new() -> FirstError {
        FirstError(Mutex::new(None))
    }

    /// Keep `e` unless an error is kept already; whether it was the first
    /// (the caller tells the user once, at once).
    pub fn record(&self, e: &dyn Display) -> bool {
        let Ok(mut kept) = self.0.lock() else {
            return false;
        };
        let first = kept.is_none();
        if first {
            *kept = Some(e.to_string());
        }
        first
    }

    /// The error kept, if any.
    pub fn get(&self) -> Option<String> {
        self.0.lock().map_or(None, |kept| kept.clone())
    }
}

impl Default for FirstError {
    fn default() -> FirstError {
        FirstError::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_error_is_kept_and_said_to_be_first() {
        let slot = FirstError::new();
        assert_eq!(slot.get(), None);
        assert!(slot.record(&"disk full"));
        assert!(!slot.record(&"disk still full"));
        assert_eq!(slot.get().as_deref(), Some("disk full"));
    }
}
