//! The profile Flow tokens are stored under when none is given: the user's login name.

use tk_auth_core::env::{self, Env};

/// The profile the Python Toolkit stores Flow tokens under by default (its
/// `getpass.getuser()`): the first of `LOGNAME`, `USER`, `LNAME` and `USERNAME` that is set
/// and not empty, else the name of the account the process runs as. Where the system has no
/// name for that account (Python raises), `default`.
///
/// ```
/// use tk_auth_defaults::{Env, default_flow_profile};
///
/// let env = Env::from_pairs([("USER", "jdoe"), ("USERNAME", "JDOE")]);
/// assert_eq!(default_flow_profile(&env), "jdoe");
/// ```
pub fn default_flow_profile(env: &Env) -> String {
    [env::LOGNAME, env::USER, env::LNAME, env::USERNAME]
        .into_iter()
        .filter_map(|name| env.var(name))
        .find(|value| !value.is_empty())
        .or_else(|| whoami::username().ok().filter(|name| !name.is_empty()))
        .unwrap_or_else(|| "default".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_tried_in_pythons_order_and_empty_ones_skipped() {
        let cases = [
            (
                vec![
                    ("LOGNAME", "a"),
                    ("USER", "b"),
                    ("LNAME", "c"),
                    ("USERNAME", "d"),
                ],
                "a",
            ),
            (vec![("LOGNAME", ""), ("USER", "b"), ("USERNAME", "d")], "b"),
            (vec![("LNAME", "c"), ("USERNAME", "d")], "c"),
            (vec![("USERNAME", "d"), ("HOME", "/home/x")], "d"),
        ];
        for (vars, expected) in cases {
            assert_eq!(default_flow_profile(&Env::from_pairs(vars)), expected);
        }
    }

    #[test]
    fn without_variables_the_account_name_is_used() {
        let name = default_flow_profile(&Env::empty());
        assert!(!name.is_empty());
        assert_eq!(Some(name), whoami::username().ok());
    }
}
