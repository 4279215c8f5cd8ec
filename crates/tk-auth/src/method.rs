//! Which way to log in to a site, for a login without a web engine: browser approval or
//! login and password, chosen by tk-core's rules (the site's settings, the saved method,
//! the environment).

use tk_auth_core::Env;
use tk_auth_core::env::{SGTK_DEFAULT_AUTH_METHOD, SGTK_FORCE_STANDARD_LOGIN_DIALOG};
use tk_auth_http::SiteInfo;
use tk_auth_prompt::MethodChoice;

use crate::LoginMethod;

/// What the site, the environment and the saved preference allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MethodPlan {
    /// One way only: no question.
    Use(MethodChoice),
    /// Ask, offering `choices` with `default` preselected.
    Ask {
        choices: Vec<MethodChoice>,
        default: MethodChoice,
    },
    /// The site only takes single sign-on in a web engine, which this login does not have.
    SingleSignOnOnly,
}

/// Decides how to log in.
///
/// - Browser approval off and an SSO site: nothing works here (`ConsoleLoginNotSupported`).
/// - Browser approval off: login and password, no question.
/// - Browser approval on and an SSO site: browser approval, no question.
/// - `SGTK_FORCE_STANDARD_LOGIN_DIALOG`: login and password, no question.
/// - Otherwise ask, preselecting the saved preference, else `SGTK_DEFAULT_AUTH_METHOD`
///   (ignored when invalid or unsupported), else browser approval.
pub(crate) fn plan(info: &SiteInfo, env: &Env, saved: Option<LoginMethod>) -> MethodPlan {
    let approval = info.app_session_launcher_enabled();
    let sso = info.sso_enabled();
    match (approval, sso) {
        (false, true) => return MethodPlan::SingleSignOnOnly,
        (false, false) => return MethodPlan::Use(MethodChoice::Credentials),
        (true, true) => return MethodPlan::Use(MethodChoice::BrowserApproval),
        (true, false) => {}
    }
    if env.is_set(SGTK_FORCE_STANDARD_LOGIN_DIALOG) {
        return MethodPlan::Use(MethodChoice::Credentials);
    }
    let supported = |m: LoginMethod| choice_of(m);
    let default = saved
        .and_then(supported)
        .or_else(|| {
            env.var(SGTK_DEFAULT_AUTH_METHOD)
                .and_then(|name| LoginMethod::from_name(&name))
                .and_then(supported)
        })
        .unwrap_or(MethodChoice::BrowserApproval);
    MethodPlan::Ask {
        choices: vec![MethodChoice::BrowserApproval, MethodChoice::Credentials],
        default,
    }
}

/// The choice for a remembered method, if this login offers it (no web engine here).
fn choice_of(method: LoginMethod) -> Option<MethodChoice> {
    match method {
        LoginMethod::Credentials => Some(MethodChoice::Credentials),
        LoginMethod::AppSessionLauncher => Some(MethodChoice::BrowserApproval),
        _ => None,
    }
}

/// The method remembered for a choice.
pub(crate) fn remembered(choice: MethodChoice) -> LoginMethod {
    match choice {
        MethodChoice::BrowserApproval => LoginMethod::AppSessionLauncher,
        _ => LoginMethod::Credentials,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn info(value: serde_json::Value) -> SiteInfo {
        SiteInfo::from_json(value)
    }

    fn both() -> SiteInfo {
        info(
            json!({"authentication_app_session_launcher_enabled": true, "user_authentication_method": "default"}),
        )
    }

    fn ask(default: MethodChoice) -> MethodPlan {
        MethodPlan::Ask {
            choices: vec![MethodChoice::BrowserApproval, MethodChoice::Credentials],
            default,
        }
    }

    #[test]
    fn site_info_alone_decides_when_one_way_works() {
        let none = Env::empty();
        assert_eq!(
            plan(&info(json!({})), &none, None),
            MethodPlan::Use(MethodChoice::Credentials)
        );
        assert_eq!(
            plan(
                &info(json!({"user_authentication_method": "saml2"})),
                &none,
                None
            ),
            MethodPlan::SingleSignOnOnly
        );
        assert_eq!(
            plan(
                &info(
                    json!({"user_authentication_method": "saml2", "authentication_app_session_launcher_enabled": true})
                ),
                &none,
                None
            ),
            MethodPlan::Use(MethodChoice::BrowserApproval)
        );
        // Identity sites are not blocked: legacy login with a token still works.
        assert_eq!(
            plan(
                &info(json!({"user_authentication_method": "oxygen"})),
                &none,
                None
            ),
            MethodPlan::Use(MethodChoice::Credentials)
        );
    }

    #[test]
    fn the_saved_preference_beats_the_environment_which_beats_browser_approval() {
        let env_basic = Env::from_pairs([(SGTK_DEFAULT_AUTH_METHOD, "credentials")]);
        let env_web = Env::from_pairs([(SGTK_DEFAULT_AUTH_METHOD, "qt_web_login")]);
        let env_bad = Env::from_pairs([(SGTK_DEFAULT_AUTH_METHOD, "telepathy")]);
        assert_eq!(
            plan(&both(), &Env::empty(), None),
            ask(MethodChoice::BrowserApproval)
        );
        assert_eq!(
            plan(&both(), &env_basic, None),
            ask(MethodChoice::Credentials)
        );
        assert_eq!(
            plan(&both(), &env_bad, None),
            ask(MethodChoice::BrowserApproval)
        );
        // Web login is unavailable without a web engine: dropped.
        assert_eq!(
            plan(&both(), &env_web, None),
            ask(MethodChoice::BrowserApproval)
        );
        let saved_basic = Some(LoginMethod::Credentials);
        let saved_web = Some(LoginMethod::QtWebLogin);
        let env_asl = Env::from_pairs([(SGTK_DEFAULT_AUTH_METHOD, "app_session_launcher")]);
        assert_eq!(
            plan(&both(), &env_asl, saved_basic),
            ask(MethodChoice::Credentials)
        );
        assert_eq!(
            plan(&both(), &env_basic, saved_web),
            ask(MethodChoice::Credentials)
        );
    }

    #[test]
    fn forcing_the_standard_login_skips_the_question() {
        let env = Env::from_pairs([(SGTK_FORCE_STANDARD_LOGIN_DIALOG, "1")]);
        assert_eq!(
            plan(&both(), &env, Some(LoginMethod::AppSessionLauncher)),
            MethodPlan::Use(MethodChoice::Credentials)
        );
    }
}
