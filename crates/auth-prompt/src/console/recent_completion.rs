//! Completion of a typed site or login from the recent ones.

use inquire::CustomUserError;
use inquire::autocompletion::{Autocomplete, Replacement};

/// Suggests the recent entries that contain what was typed (ignoring case), most recent
/// first; Tab completes to the highlighted one, else to the first that starts with it.
#[derive(Clone, Debug)]
pub(crate) struct RecentCompletion {
    recent: Vec<String>,
}

impl RecentCompletion {
    pub(crate) fn new(recent: Vec<String>) -> Self {
        Self { recent }
    }

    fn matching(&self, input: &str) -> Vec<String> {
        let needle = input.trim().to_lowercase();
        self.recent
            .iter()
            .filter(|r| r.to_lowercase().contains(&needle))
            .cloned()
            .collect()
    }
}

impl Autocomplete for RecentCompletion {
    fn get_suggestions(&mut self, input: &str) -> Result<Vec<String>, CustomUserError> {
        Ok(self.matching(input))
    }

    fn get_completion(
        &mut self,
        input: &str,
        highlighted_suggestion: Option<String>,
    ) -> Result<Replacement, CustomUserError> {
        if highlighted_suggestion.is_some() {
            return Ok(highlighted_suggestion);
        }
        let needle = input.trim().to_lowercase();
        Ok(self
            .recent
            .iter()
            .find(|r| r.to_lowercase().starts_with(&needle))
            .cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_the_recent_entries_containing_the_input() {
        let mut c = RecentCompletion::new(vec![
            "https://alpha.shotgunstudio.com".into(),
            "https://beta.shotgunstudio.com".into(),
        ]);
        assert_eq!(
            c.get_suggestions("BETA").unwrap(),
            ["https://beta.shotgunstudio.com"]
        );
        assert_eq!(c.get_suggestions("").unwrap().len(), 2);
        assert_eq!(
            c.get_completion("https://a", None).unwrap().as_deref(),
            Some("https://alpha.shotgunstudio.com")
        );
        assert_eq!(
            c.get_completion("x", Some("https://beta.shotgunstudio.com".into()))
                .unwrap()
                .as_deref(),
            Some("https://beta.shotgunstudio.com")
        );
        assert_eq!(c.get_completion("zzz", None).unwrap(), None);
    }
}
