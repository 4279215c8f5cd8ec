//! The login window's dialog, driven headless through its accessibility tree: every page and
//! rule of the dialog, asserting what the prompter answers the login flow.

use eframe::egui::{Key, OutputCommand};
use egui_kittest::kittest::{NodeT, Queryable};
use tk_auth_prompt::{
    ApprovalQuestion, ErrorNotice, LoginQuestion, MethodChoice, MethodQuestion, PasswordQuestion,
    PromptError, Prompter, RenewalNotice, SiteDetails, SiteQuestion, TwoFactorQuestion,
};

use crate::gui_rig::{Rig, answer};

const SITE: &str = "https://mysite.shotgunstudio.com";

fn site_question(default: Option<&str>) -> SiteQuestion {
    SiteQuestion {
        default: default.map(Into::into),
        recent: default.into_iter().map(Into::into).collect(),
    }
}

fn details(auth_type: &str, methods: Vec<MethodChoice>) -> SiteDetails {
    SiteDetails {
        site: SITE.into(),
        auth_type: Some(auth_type.to_owned()),
        methods,
    }
}

fn both() -> Vec<MethodChoice> {
    vec![MethodChoice::BrowserApproval, MethodChoice::Credentials]
}

fn login_question() -> LoginQuestion {
    LoginQuestion {
        site: SITE.into(),
        default: None,
        recent: vec![],
    }
}

fn password_question(attempt: u32, renewal: bool) -> PasswordQuestion {
    PasswordQuestion {
        site: SITE.into(),
        login: "alice".to_owned(),
        renewal,
        attempt,
    }
}

#[test]
fn site_login_and_password_typed_on_one_page_answer_the_site_method_login_and_password_questions() {
    let mut rig = Rig::new(true);
    let site = rig.ask(|p| async move { p.site(&site_question(None)).await });
    rig.wait_for("Site:");
    rig.type_into("Site:", SITE);
    rig.type_into("Login:", "alice");
    rig.type_into("Password:", "s3cret pass ");
    rig.click("Sign In");
    assert_eq!(answer(site).unwrap(), SITE);

    let rest = rig.ask(|p| async move {
        p.site_details(&details("default", both())).await;
        let method = p
            .method(&MethodQuestion {
                site: SITE.into(),
                choices: both(),
                default: MethodChoice::BrowserApproval,
            })
            .await?;
        let login = p.login(&login_question()).await?;
        let password = p.password(&password_question(1, false)).await?;
        Ok::<_, PromptError>((method, login, password.expose().to_owned()))
    });
    let (method, login, password) = answer(rest).unwrap();
    // Typed credentials are the person's choice, even where the default is the browser.
    assert_eq!(method, MethodChoice::Credentials);
    assert_eq!(login, "alice");
    // A password is never stripped: spaces are part of it.
    assert_eq!(password, "s3cret pass ");
}

#[test]
fn the_login_page_says_what_is_missing_in_the_order_of_the_fields() {
    let mut rig = Rig::new(true);
    let site = rig.ask(|p| async move { p.site(&site_question(None)).await });
    rig.wait_for("Site:");
    rig.click("Sign In");
    assert!(rig.shows("Please enter the address of the site to connect to."));
    rig.type_into("Site:", SITE);
    // Login and password chosen from the menu: both are needed before OK answers.
    rig.click("Sign-in options");
    rig.click(MethodChoice::BrowserApproval.label());
    rig.click("Sign-in options");
    rig.click(MethodChoice::Credentials.label());
    rig.click("Sign In");
    assert!(rig.shows("Please enter your login name."));
    rig.type_into("Login:", "alice");
    rig.click("Sign In");
    assert!(rig.shows("Please enter your password."));
    assert!(!site.is_finished(), "answered with a field missing");
    rig.type_into("Password:", "pw");
    rig.click("Sign In");
    assert_eq!(answer(site).unwrap(), SITE);
}

#[test]
fn site_login_and_codes_are_stripped_when_editing_finishes_and_the_password_is_not() {
    let mut rig = Rig::new(true);
    let site = rig.ask(|p| async move { p.site(&site_question(None)).await });
    rig.wait_for("Site:");
    rig.type_into("Site:", "  https://mysite.shotgunstudio.com  ");
    rig.type_into("Login:", " alice ");
    assert_eq!(rig.value("Site:"), SITE, "stripped when the focus left it");
    rig.type_into("Password:", " pw ");
    rig.harness.key_press(Key::Enter);
    rig.step();
    assert_eq!(answer(site).unwrap(), SITE);
    let rest = rig.ask(|p| async move {
        let login = p.login(&login_question()).await?;
        let password = p.password(&password_question(1, false)).await?;
        Ok::<_, PromptError>((login, password.expose().to_owned()))
    });
    assert_eq!(
        answer(rest).unwrap(),
        ("alice".to_owned(), " pw ".to_owned())
    );

    let code = rig.ask(|p| async move {
        p.two_factor_code(&TwoFactorQuestion {
            site: SITE.into(),
            login: "alice".to_owned(),
        })
        .await
    });
    rig.wait_for("Code:");
    rig.type_into("Code:", " 123456 ");
    rig.click("Verify");
    assert_eq!(answer(code).unwrap().expose(), "123456");
}

#[test]
fn the_focus_goes_to_the_first_empty_field() {
    let mut rig = Rig::new(true);
    let _site = rig.ask(|p| async move { p.site(&site_question(None)).await });
    rig.wait_for("Site:");
    rig.step();
    assert!(rig.harness.get_by_label("Site:").is_focused());

    // A known site: the focus goes to the login.
    let mut rig = Rig::new(true);
    let _site = rig.ask(|p| async move { p.site(&site_question(Some(SITE))).await });
    rig.wait_for("Site:");
    rig.step();
    assert_eq!(rig.value("Site:"), SITE);
    assert!(rig.harness.get_by_label("Login:").is_focused());

    // A renewal: straight to the password.
    let mut rig = Rig::new(true);
    let _password = rig.ask(|p| async move {
        p.session_expired(&RenewalNotice {
            site: SITE.into(),
            login: "alice".to_owned(),
        })
        .await?;
        p.password(&password_question(1, true)).await
    });
    rig.wait_for("Password:");
    rig.step();
    assert!(rig.harness.get_by_label("Password:").is_focused());
}

#[test]
fn a_renewal_says_the_session_expired_and_keeps_site_and_login_from_the_request() {
    let mut rig = Rig::new(true);
    let password = rig.ask(|p| async move {
        p.session_expired(&RenewalNotice {
            site: SITE.into(),
            login: "alice".to_owned(),
        })
        .await?;
        p.password(&password_question(1, true)).await
    });
    rig.wait_for("Password:");
    assert!(rig.shows("Your session has expired. Please enter your password."));
    assert_eq!(rig.value("Site:"), SITE);
    assert_eq!(rig.value("Login:"), "alice");
    // Typing into the fixed fields changes nothing.
    rig.harness.get_by_label("Site:").click();
    rig.harness
        .get_by_label("Site:")
        .type_text("https://evil.example");
    rig.harness.get_by_label("Login:").click();
    rig.harness.get_by_label("Login:").type_text("mallory");
    rig.step();
    assert_eq!(rig.value("Site:"), SITE);
    assert_eq!(rig.value("Login:"), "alice");
    assert!(rig.harness.query_by_label("Sign-in options").is_none());
    rig.type_into("Password:", "renewed");
    rig.click("Sign In");
    assert_eq!(answer(password).unwrap().expose(), "renewed");
}

#[test]
fn the_password_never_reaches_the_accessibility_tree() {
    let mut rig = Rig::new(true);
    let site = rig.ask(|p| async move { p.site(&site_question(Some(SITE))).await });
    rig.wait_for("Site:");
    rig.type_into("Login:", "alice");
    rig.type_into("Password:", "canary-7f3a91");
    let tree = rig.tree();
    assert!(
        tree.contains("alice"),
        "the tree shows the fields' values: {tree}"
    );
    assert!(!tree.contains("canary-7f3a91"), "{tree}");
    assert!(!format!("{:?}", rig.prompter).contains("canary-7f3a91"));
    rig.click("Sign In");
    answer(site).unwrap();
}

#[test]
fn the_method_menu_offers_the_other_method_and_the_pick_answers_the_method_question() {
    let mut rig = Rig::new(true);
    let site = rig.ask(|p| async move { p.site(&site_question(Some(SITE))).await });
    rig.wait_for("Site:");
    rig.click("Sign-in options");
    // The current method shows, disabled; the other can be picked.
    let current = rig.harness.get_by_label(MethodChoice::Credentials.label());
    assert!(current.accesskit_node().is_disabled());
    rig.click(MethodChoice::BrowserApproval.label());
    assert!(rig.harness.query_by_label("Password:").is_none());
    rig.click("Sign In");
    assert_eq!(answer(site).unwrap(), SITE);
    let method = rig.ask(|p| async move {
        p.method(&MethodQuestion {
            site: SITE.into(),
            choices: both(),
            default: MethodChoice::Credentials,
        })
        .await
    });
    assert_eq!(answer(method).unwrap(), MethodChoice::BrowserApproval);

    // Nothing picked and nothing typed: the flow's default.
    let mut rig = Rig::new(true);
    let site = rig.ask(|p| async move { p.site(&site_question(Some(SITE))).await });
    rig.wait_for("Site:");
    rig.click("Sign In");
    answer(site).unwrap();
    let method = rig.ask(|p| async move {
        p.method(&MethodQuestion {
            site: SITE.into(),
            choices: both(),
            default: MethodChoice::BrowserApproval,
        })
        .await
    });
    assert_eq!(answer(method).unwrap(), MethodChoice::BrowserApproval);
}

#[test]
fn the_forgot_password_link_shows_for_default_and_ldap_sites_and_says_when_it_cannot_open() {
    for (auth_type, shown) in [("default", true), ("ldap", true), ("saml2", false)] {
        let mut rig = Rig::new(false);
        let password = rig.ask(move |p| async move {
            p.site_details(&details(auth_type, vec![MethodChoice::Credentials]))
                .await;
            p.password(&password_question(2, false)).await
        });
        rig.wait_for("Password:");
        assert_eq!(rig.shows("Forgot your password?"), shown, "{auth_type}");
        if shown {
            rig.click("Forgot your password?");
            let url = format!("{SITE}/user/forgot_password");
            assert_eq!(*rig.opened.lock().unwrap(), vec![url.clone()]);
            assert!(rig.shows(&format!("Can't open '{url}'.")));
        }
        rig.type_into("Password:", "pw");
        rig.click("Sign In");
        answer(password).unwrap();
    }
}

#[test]
fn a_refused_password_shows_the_error_and_asks_again_with_the_login_fixed() {
    let mut rig = Rig::new(true);
    let password = rig.ask(|p| async move {
        p.show_error(&ErrorNotice {
            site: SITE.into(),
            login: Some("alice".to_owned()),
            message: "Login failed: wrong login or password".to_owned(),
        })
        .await;
        p.password(&password_question(2, false)).await
    });
    rig.wait_for("Password:");
    assert!(rig.shows("Login failed: wrong login or password"));
    assert_eq!(rig.value("Login:"), "alice");
    assert!(
        rig.harness
            .get_by_label("Login:")
            .accesskit_node()
            .is_disabled()
    );
    rig.type_into("Password:", "second try");
    rig.click("Sign In");
    assert_eq!(answer(password).unwrap().expose(), "second try");
}

#[test]
fn the_two_factor_page_needs_a_code_and_offers_a_backup_code_instead() {
    let mut rig = Rig::new(true);
    let code = rig.ask(|p| async move {
        p.two_factor_code(&TwoFactorQuestion {
            site: SITE.into(),
            login: "alice".to_owned(),
        })
        .await
    });
    rig.wait_for("Code:");
    rig.click("Verify");
    assert!(rig.shows("Please enter your code."));
    rig.click("Use a backup code");
    rig.wait_for("Backup code:");
    rig.type_into("Backup code:", "abcd-1234");
    rig.click("Verify");
    assert_eq!(answer(code).unwrap().expose(), "abcd-1234");
}

#[test]
fn the_approval_page_shows_and_copies_the_address_and_back_stops_the_wait() {
    let url = format!("{SITE}/app_session_request/42");
    let mut rig = Rig::new(true);
    let question = ApprovalQuestion {
        site: SITE.into(),
        login: None,
        url: url.clone(),
    };
    let wait = rig.ask(move |p| async move { p.approve_in_browser(&question).await });
    rig.wait_for("Back");
    assert!(rig.shows(&url));
    rig.harness.get_by_label("Copy address").click();
    rig.harness.step();
    let copied = rig
        .harness
        .output()
        .platform_output
        .commands
        .contains(&OutputCommand::CopyText(url.clone()));
    assert!(
        copied,
        "{:?}",
        rig.harness.output().platform_output.commands
    );
    rig.click("Back");
    assert!(answer(wait).is_cancelled());
}

#[test]
fn the_approval_page_goes_when_the_approval_arrives() {
    let mut rig = Rig::new(true);
    let question = ApprovalQuestion {
        site: SITE.into(),
        login: None,
        url: format!("{SITE}/app_session_request/7"),
    };
    let prompter = rig.prompter.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let waiting = std::thread::spawn(move || {
        runtime.block_on(async {
            // The flow stops waiting when the site reports the approval.
            tokio::time::timeout(
                std::time::Duration::from_millis(300),
                prompter.approve_in_browser(&question),
            )
            .await
            .is_err()
        })
    });
    rig.wait_for("Back");
    assert!(answer(waiting), "the wait ended by itself");
    rig.wait_gone("Back");
}

#[test]
fn closing_or_escape_asks_first_and_no_keeps_the_dialog_open() {
    let mut rig = Rig::new(true);
    let site = rig.ask(|p| async move { p.site(&site_question(Some(SITE))).await });
    rig.wait_for("Site:");
    rig.harness.key_press(Key::Escape);
    rig.step();
    assert!(rig.shows("Would you like to cancel your request?"));
    rig.click("No");
    assert!(!rig.shows("Would you like to cancel your request?"));
    assert!(!site.is_finished());
    // Esc on the question is "No" too, and the typing goes on in the first empty field.
    rig.harness.key_press(Key::Escape);
    rig.step();
    assert!(rig.shows("Would you like to cancel your request?"));
    rig.harness.key_press(Key::Escape);
    rig.step();
    assert!(!rig.shows("Would you like to cancel your request?"));
    assert!(rig.harness.get_by_label("Login:").is_focused());
    assert!(!site.is_finished());
    rig.click("Cancel");
    assert!(rig.shows("Would you like to cancel your request?"));
    rig.click("Yes");
    assert!(answer(site).unwrap_err().is_cancelled());
}

#[test]
fn a_fixed_site_shows_the_login_page_for_the_method_question_and_the_menu_can_change_it() {
    let mut rig = Rig::new(true);
    let flow = rig.ask(|p| async move {
        p.site_details(&details("default", both())).await;
        let method = p
            .method(&MethodQuestion {
                site: SITE.into(),
                choices: both(),
                default: MethodChoice::BrowserApproval,
            })
            .await?;
        let login = p.login(&login_question()).await?;
        let password = p.password(&password_question(1, false)).await?;
        Ok::<_, PromptError>((method, login, password.expose().to_owned()))
    });
    rig.wait_for("Sign-in options");
    // The default shows first: browser approval, no password field.
    assert!(rig.shows("App Session Launcher"));
    assert!(rig.harness.query_by_label("Password:").is_none());
    rig.click("Sign-in options");
    rig.click(MethodChoice::Credentials.label());
    rig.type_into("Login:", "alice");
    rig.type_into("Password:", "pw");
    rig.click("Sign In");
    let (method, login, password) = answer(flow).unwrap();
    assert_eq!(method, MethodChoice::Credentials);
    assert_eq!((login.as_str(), password.as_str()), ("alice", "pw"));
}

#[test]
fn each_page_is_headed_by_the_product_and_the_site_never_with_its_credentials() {
    // The site is being typed: no site in the heading yet.
    let mut rig = Rig::new(true);
    let _site = rig.ask(|p| async move { p.site(&site_question(None)).await });
    rig.wait_for("Site:");
    assert!(rig.shows("Flow Production Tracking"));
    assert!(rig.shows("Sign in to your site"));

    // A renewal on a site given with a user and password in its address.
    let given = "https://bob:hunter2@MySite.shotgunstudio.com";
    let mut rig = Rig::new(true);
    let password = rig.ask(move |p| async move {
        p.session_expired(&RenewalNotice {
            site: given.into(),
            login: "alice".to_owned(),
        })
        .await?;
        p.password(&PasswordQuestion {
            site: given.into(),
            ..password_question(1, true)
        })
        .await
    });
    rig.wait_for("Password:");
    assert!(rig.shows("Flow Production Tracking"));
    assert!(rig.shows("Sign in to"));
    assert!(
        rig.harness.query_by_label(SITE).is_some(),
        "the heading names the site: {}",
        rig.tree()
    );
    assert_eq!(rig.value("Site:"), SITE);
    let tree = rig.tree();
    assert!(!tree.contains("hunter2") && !tree.contains("bob"), "{tree}");
    rig.type_into("Password:", "renewed");
    rig.click("Sign In");
    answer(password).unwrap();

    // The two-factor page names the site too.
    let mut rig = Rig::new(true);
    let _code = rig.ask(|p| async move {
        p.two_factor_code(&TwoFactorQuestion {
            site: SITE.into(),
            login: "alice".to_owned(),
        })
        .await
    });
    rig.wait_for("Code:");
    assert!(rig.harness.query_by_label(SITE).is_some(), "{}", rig.tree());
}

#[test]
fn the_focus_moves_to_the_first_empty_field_of_each_page_the_flow_shows() {
    let mut rig = Rig::new(true);
    let site = rig.ask(|p| async move { p.site(&site_question(None)).await });
    rig.wait_for("Site:");
    rig.step();
    assert!(rig.harness.get_by_label("Site:").is_focused());
    rig.type_into("Site:", SITE);
    rig.click("Sign In");
    assert_eq!(answer(site).unwrap(), SITE);

    // The flow asks for the login: the same page again, the focus in the login.
    let login = rig.ask(|p| async move { p.login(&login_question()).await });
    rig.wait_for("Login:");
    rig.step();
    assert!(rig.harness.get_by_label("Login:").is_focused());
    rig.type_into("Login:", "alice");
    // The page wants the password with the login.
    rig.type_into("Password:", "s3cret");
    rig.click("Sign In");
    assert_eq!(answer(login).unwrap(), "alice");

    let _code = rig.ask(|p| async move {
        p.two_factor_code(&TwoFactorQuestion {
            site: SITE.into(),
            login: "alice".to_owned(),
        })
        .await
    });
    rig.wait_for("Code:");
    rig.step();
    assert!(rig.harness.get_by_label("Code:").is_focused());
}
