//! Replays every `authenticator` case produced by the Python Toolkit: the same users, values
//! and errors, the same files written with the same bytes.
//!
//! Where tk-auth deliberately differs, `deviation` names the difference next to the case it
//! affects and the fixed behaviour is checked instead (see `docs/compatibility.md`).

use std::path::PathBuf;

use serde_json::{Map, Value, json};
use tk_auth::{
    AuthOptions, ConfigDefaultsManager, Credentials, Defaults, DefaultsManager, Env, Error, Format,
    NonInteractivePrompter, SessionCredentials, ShotgunAuthenticator, ShotgunUser,
};
use tk_auth_defaults::{DefaultsError, Result as DefaultsResult};

#[cfg(unix)]
use crate::support::mode;
use crate::support::{create_dir_with_mode, fixtures, manifest, set_mode, snapshot, written};

/// A defaults manager of either kind, as the authenticator takes one type.
struct AnyDefaults(Box<dyn DefaultsManager + Send + Sync>);

impl DefaultsManager for AnyDefaults {
    fn defaults(&self) -> &Defaults {
        self.0.defaults()
    }
    fn is_host_fixed(&self) -> bool {
        self.0.is_host_fixed()
    }
    fn get_host(&self) -> DefaultsResult<Option<tk_auth::Site>> {
        self.0.get_host()
    }
    fn set_host(&self, host: &tk_auth::Site) -> DefaultsResult<()> {
        self.0.set_host(host)
    }
    fn get_http_proxy(&self) -> DefaultsResult<Option<String>> {
        self.0.get_http_proxy()
    }
    fn get_login(&self) -> DefaultsResult<Option<String>> {
        self.0.get_login()
    }
    fn get_user_credentials(&self) -> DefaultsResult<Option<Credentials>> {
        self.0.get_user_credentials()
    }
    fn set_login(&self, login: &str) -> DefaultsResult<()> {
        self.0.set_login(login)
    }
}

/// What tk-auth does instead of Python at one step, and why.
struct Deviation {
    /// The user returned instead (fields that differ from Python's).
    user_fields: Option<Value>,
    /// The files written instead.
    written: Option<Vec<&'static str>>,
    /// The files after the step differ from Python's: not compared byte for byte.
    files_differ: bool,
}

fn deviation(case: &str, step: usize) -> Option<Deviation> {
    let web = || {
        let m = manifest("authenticator");
        let case = m["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == case)
            .unwrap();
        case["inputs"]["setup_calls"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|call| call["args"].get("session_metadata").cloned())
            .unwrap()
    };
    match (case, step) {
        // A token taken from the cache keeps its web-login metadata, so the user stays a web
        // user and the cached metadata is not overwritten with null.
        ("create_session_user_cached_metadata_dropped", 0 | 1) => Some(Deviation {
            user_fields: Some(json!({"class": "ShotgunWebUser", "session_metadata": web()})),
            written: Some(vec![]),
            files_differ: true,
        }),
        ("clear_default_user_cached", 0) => Some(Deviation {
            user_fields: Some(json!({"class": "ShotgunWebUser", "session_metadata": web()})),
            written: None,
            files_differ: false,
        }),
        // Decision 8: deserializing never writes the session cache; the cache keeps its
        // token, which the next user built from the cache gets.
        ("deserialize_payload_token_updates_cache", 0) => Some(Deviation {
            user_fields: None,
            written: Some(vec![]),
            files_differ: true,
        }),
        ("deserialize_payload_token_updates_cache", 1) => Some(Deviation {
            user_fields: Some(json!({"session_token": "3f9a2c7e5b1d4f8a9c0e2b4d6f8a1c3e"})),
            written: Some(vec![]),
            files_differ: true,
        }),
        _ => None,
    }
}

struct Case {
    id: String,
    root: tempfile::TempDir,
    home: PathBuf,
    pipeline: PathBuf,
}

impl Case {
    fn expand(&self, text: &str) -> String {
        text.replace("{SHOTGUN_HOME}", self.home.to_str().unwrap())
            .replace("{PIPELINE_CONFIG}", self.pipeline.to_str().unwrap())
    }

    fn topic_file(rel: &str) -> PathBuf {
        fixtures().join("authenticator").join(rel)
    }
}

fn setup(case: &Value) -> Case {
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    let pipeline = root.path().join("pipeline");
    std::fs::create_dir_all(&home).unwrap();
    let c = Case {
        id: case["id"].as_str().unwrap().to_owned(),
        root,
        home,
        pipeline,
    };
    let setup = &case["inputs"]["setup"];
    for dir in setup["dirs"].as_array().unwrap() {
        let path = PathBuf::from(c.expand(dir["path"].as_str().unwrap()));
        let mode = u32::from_str_radix(dir["mode"].as_str().unwrap(), 8).unwrap();
        create_dir_with_mode(&path, mode);
        set_mode(&path, mode);
    }
    for file in setup["files"].as_array().unwrap() {
        let path = PathBuf::from(c.expand(file["path"].as_str().unwrap()));
        create_dir_with_mode(path.parent().unwrap(), 0o755);
        std::fs::copy(Case::topic_file(file["file"].as_str().unwrap()), &path).unwrap();
        let mode = u32::from_str_radix(file["mode"].as_str().unwrap(), 8).unwrap();
        set_mode(&path, mode);
    }
    c
}

/// How a `CoreDefaultsManager` case finds its `shotgun.yml`.
#[derive(Clone, Copy, Debug)]
enum FoundBy {
    /// Its path, given.
    Path,
    /// `TANK_CURRENT_PC`, as in a process a Toolkit launch started (Decision 17): the case's
    /// pipeline configuration has a core of its own, as the one Python ran in.
    Launch,
}

fn construct(c: &Case, case: &Value, found_by: FoundBy) -> Result<ShotgunAuthenticator, Error> {
    let mut pairs: Vec<(String, String)> = vec![(
        "SHOTGUN_HOME".to_owned(),
        c.home.to_str().unwrap().to_owned(),
    )];
    for (k, v) in case["inputs"]["env"].as_object().unwrap() {
        pairs.push((k.clone(), c.expand(v.as_str().unwrap())));
    }
    if let FoundBy::Launch = found_by {
        std::fs::create_dir_all(c.pipeline.join("install/core")).unwrap();
        std::fs::write(c.pipeline.join("install/core/_core_upgrader.py"), "").unwrap();
        std::fs::create_dir_all(c.pipeline.join("config/core")).unwrap();
        std::fs::write(c.pipeline.join("config/core/roots.yml"), "primary: {}\n").unwrap();
        pairs.push((
            "TANK_CURRENT_PC".to_owned(),
            c.pipeline.to_str().unwrap().to_owned(),
        ));
    }
    let env = Env::from_pairs(pairs);
    let defaults = Defaults::from_env_with(&env).map_err(to_error)?;
    let manager: Box<dyn DefaultsManager + Send + Sync> = match &case["inputs"]["defaults_manager"]
    {
        Value::Null => Box::new(defaults),
        dm if dm["class"] == "DefaultsManager" => match dm["args"]["fixed_host"].as_str() {
            Some(host) => Box::new(defaults.with_fixed_host(host)),
            None => Box::new(defaults),
        },
        dm if dm["class"] == "CoreDefaultsManager" => {
            let mask = dm["args"]["mask_script_user"].as_bool().unwrap_or(false);
            let manager = match found_by {
                FoundBy::Path => {
                    let yml = c.pipeline.join("config/core/shotgun.yml");
                    ConfigDefaultsManager::new(defaults, &yml, mask)
                }
                FoundBy::Launch => ConfigDefaultsManager::current(defaults, mask),
            };
            Box::new(manager.map_err(to_error)?)
        }
        other => panic!("{}: unknown defaults manager {other}", c.id),
    };
    Ok(ShotgunAuthenticator::with_options(
        AnyDefaults(manager),
        NonInteractivePrompter,
        AuthOptions::new().environment(env),
    ))
}

fn to_error(e: DefaultsError) -> Error {
    // The same mapping the authenticator applies to its defaults manager's errors.
    Error::from(e)
}

/// What a step gave.
enum Outcome {
    Value(Value),
    User(ShotgunUser),
    Raised(Error),
}

fn user_json(user: &ShotgunUser) -> Value {
    let mut data: Value =
        serde_json::from_str(&tk_auth::serialize_user(user, Format::Json)).unwrap();
    let to_dict = data["data"].take();
    let mut out = json!({
        "class": user.class().unwrap().as_str(),
        "impl_class": user.to_user().impl_type(),
        "host": user.host(),
        "login": user.login(),
        "http_proxy": user.http_proxy(),
        "to_dict": to_dict,
        "str": user.to_string(),
        "repr": user.repr(),
    });
    let o = out.as_object_mut().unwrap();
    match user.to_user() {
        tk_auth::User::Session(s) => {
            o.insert("session_token".into(), json!(s.session_token().expose()));
            o.insert(
                "session_metadata".into(),
                json!(s.session_metadata().map(|m| m.expose().to_owned())),
            );
        }
        tk_auth::User::Script(s) => {
            o.insert("api_script".into(), json!(s.api_script()));
            o.insert("api_key".into(), json!(s.api_key().expose()));
        }
    }
    out
}

fn credentials_json(credentials: Option<Credentials>) -> Value {
    match credentials {
        None => Value::Null,
        Some(Credentials::Session {
            login,
            session_token,
            session_metadata,
            ..
        }) => {
            let mut m = Map::new();
            m.insert("login".into(), json!(login));
            if let Some(token) = session_token {
                m.insert("session_token".into(), json!(token.expose()));
            }
            if let Some(meta) = session_metadata {
                m.insert("session_metadata".into(), json!(meta.expose()));
            }
            Value::Object(m)
        }
        Some(Credentials::Script {
            api_script,
            api_key,
            ..
        }) => {
            json!({"api_script": api_script, "api_key": api_key.expose()})
        }
        Some(other) => panic!("unexpected credentials {other:?}"),
    }
}

fn text(args: &Value, key: &str) -> Option<String> {
    args.get(key).and_then(Value::as_str).map(str::to_owned)
}

async fn run_step(
    c: &Case,
    auth: &ShotgunAuthenticator,
    users: &[Option<ShotgunUser>],
    step: &Value,
) -> Outcome {
    let call = step["call"].as_str().unwrap();
    let name = call.rsplit('.').next().unwrap();
    let args = &step["args"];
    let dm = || auth.defaults_manager();
    let value = |r: Result<Value, Error>| match r {
        Ok(v) => Outcome::Value(v),
        Err(e) => Outcome::Raised(e),
    };
    let user = |r: Result<Option<ShotgunUser>, Error>| match r {
        Ok(Some(u)) => Outcome::User(u),
        Ok(None) => Outcome::Value(Value::Null),
        Err(e) => Outcome::Raised(e),
    };
    let defaults = |r: DefaultsResult<Value>| value(r.map_err(to_error));
    let step_user = |v: &Value| -> Option<ShotgunUser> {
        v.get("$step").map(|k| {
            users[usize::try_from(k.as_u64().unwrap()).unwrap()]
                .clone()
                .unwrap()
        })
    };
    match (call.contains("DefaultsManager."), name) {
        (true, "get_host") => defaults(dm().get_host().map(|v| json!(v))),
        (true, "get_login") => defaults(dm().get_login().map(|v| json!(v))),
        (true, "get_http_proxy") => defaults(dm().get_http_proxy().map(|v| json!(v))),
        (true, "is_host_fixed") => Outcome::Value(json!(dm().is_host_fixed())),
        (true, "get_user_credentials") => {
            defaults(dm().get_user_credentials().map(credentials_json))
        }
        (true, "set_host") => defaults(
            dm().set_host(&text(args, "host").unwrap().into())
                .map(|()| Value::Null),
        ),
        (true, "set_login") => defaults(
            dm().set_login(&text(args, "login").unwrap())
                .map(|()| Value::Null),
        ),
        (_, "get_default_host") => value(auth.get_default_host().await.map(|v| json!(v))),
        (_, "get_default_http_proxy") => {
            value(auth.get_default_http_proxy().await.map(|v| json!(v)))
        }
        (_, "get_default_user") => user(auth.get_default_user().await),
        (_, "get_user") => user(auth.get_user().await.map(Some)),
        (_, "clear_default_user") => user(auth.clear_default_user().await),
        (_, "create_session_user") => {
            let login = text(args, "login").unwrap_or_default();
            let credentials = match (text(args, "session_token"), text(args, "password")) {
                (Some(token), _) => SessionCredentials::Token {
                    session_token: token.into(),
                    session_metadata: text(args, "session_metadata").map(Into::into),
                },
                (None, Some(password)) => SessionCredentials::password(password),
                (None, None) => SessionCredentials::Cached,
            };
            user(
                auth.create_session_user(&login, credentials, user_options(args))
                    .await
                    .map(Some),
            )
        }
        (_, "create_script_user") => user(
            auth.create_script_user(
                &text(args, "api_script").unwrap(),
                text(args, "api_key").unwrap(),
                user_options(args),
            )
            .await
            .map(Some),
        ),
        (_, "deserialize_user") => user(
            auth.deserialize_user(&text(args, "payload").unwrap())
                .await
                .map(Some),
        ),
        (_, "serialize_user") => {
            let format = if args["use_json"] == json!(true) {
                Format::Json
            } else {
                Format::Pickle
            };
            Outcome::Value(json!(tk_auth::serialize_user(
                &step_user(&args["user"]).unwrap(),
                format
            )))
        }
        (_, "set_authenticated_user") => {
            tk_auth::set_authenticated_user(step_user(&args["user"]));
            Outcome::Value(Value::Null)
        }
        (_, "get_authenticated_user") => user(Ok(tk_auth::get_authenticated_user())),
        (_, "get_associated_sg_base_url") => {
            if let Some(u) = tk_auth::get_authenticated_user() {
                Outcome::Value(json!(u.host()))
            } else {
                let yml = c.pipeline.join("config/core/shotgun.yml");
                let config = tk_auth_defaults::ShotgunConfig::load(&yml, &Env::empty()).unwrap();
                Outcome::Value(json!(config.host))
            }
        }
        _ => panic!("{}: unknown call {call}", c.id),
    }
}

/// The `host` and `http_proxy` arguments of a Python call; `None` and `""` are left out, as
/// Python leaves them to the defaults manager.
fn user_options(args: &Value) -> tk_auth::UserOptions {
    let mut options = tk_auth::UserOptions::new();
    if let Some(host) = text(args, "host") {
        options = options.site(host);
    }
    if let Some(proxy) = text(args, "http_proxy") {
        options = options.http_proxy(proxy);
    }
    options
}

/// The message Python shows: ours, or, for errors of the defaults, their cause's.
fn python_message(e: &Error) -> String {
    let message = match (e.kind(), e.get_ref()) {
        (tk_auth::ErrorKind::Defaults, Some(cause)) => cause.to_string(),
        _ => e.to_string(),
    };
    one_separator(message)
}

/// Paths in messages with `/` on every platform: the cases were recorded on Linux, and
/// Windows joins with `\\`.
fn one_separator(text: String) -> String {
    if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text
    }
}

fn check_tree(c: &Case, label: &str, tree: &Value) {
    let mut expected_paths = Vec::new();
    for entry in tree.as_array().unwrap() {
        let rel = entry["path"].as_str().unwrap();
        expected_paths.push(rel.to_owned());
        let path = c.home.join(rel);
        // Windows has no Unix modes to compare.
        #[cfg(unix)]
        {
            let want_mode = u32::from_str_radix(entry["mode"].as_str().unwrap(), 8).unwrap();
            assert_eq!(mode(&path), want_mode, "{label}: mode of {rel}");
        }
        if entry["type"] == "file" {
            let want = std::fs::read(Case::topic_file(entry["file"].as_str().unwrap())).unwrap();
            let got = std::fs::read(&path).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want),
                "{label}: content of {rel}"
            );
        }
    }
    let ours: Vec<String> = snapshot(&c.home)
        .into_keys()
        .filter(|p| {
            std::path::Path::new(p)
                .extension()
                .is_none_or(|e| e != "lock")
        })
        .collect();
    expected_paths.sort();
    assert_eq!(
        ours, expected_paths,
        "{label}: the files below SHOTGUN_HOME"
    );
}

async fn replay(case: &Value, found_by: FoundBy) {
    let c = setup(case);
    let expected = &case["expected"];
    let steps = expected["steps"].as_array().unwrap();
    let auth = match construct(&c, case, found_by) {
        Ok(auth) => auth,
        Err(e) => {
            // Python reads `shotgun.yml` lazily and fails at every step; tk-auth reads it
            // when the manager is made and fails there, with the same error.
            for step in steps {
                if step["call"].as_str().unwrap().ends_with(".is_host_fixed") {
                    // Reads nothing in Python; there is no manager to ask here.
                    continue;
                }
                let raises = &step["raises"];
                assert_eq!(raises["type"], e.python_class(), "{}: construct", c.id);
                assert_eq!(
                    raises["message"]
                        .as_str()
                        .map(|m| one_separator(c.expand(m))),
                    Some(python_message(&e))
                );
            }
            return;
        }
    };
    let mut users: Vec<Option<ShotgunUser>> = Vec::new();
    let mut files_differ = false;
    for (i, step) in steps.iter().enumerate() {
        let label = format!("{} step {i} ({})", c.id, step["call"]);
        let dev = deviation(&c.id, i);
        let before = snapshot(&c.home);
        let outcome = run_step(&c, &auth, &users, step).await;
        let after = snapshot(&c.home);
        match (&outcome, step.get("raises")) {
            (Outcome::Raised(e), Some(raises)) => {
                assert_eq!(raises["type"], e.python_class(), "{label}: {e}");
                assert_eq!(
                    raises["message"]
                        .as_str()
                        .map(|m| one_separator(c.expand(m))),
                    Some(python_message(e)),
                    "{label}"
                );
            }
            (Outcome::Raised(e), None) => panic!("{label}: raised {e} ({e:?})"),
            (_, Some(raises)) => panic!("{label}: expected {raises}"),
            (Outcome::Value(v), None) => assert_eq!(*v, step["returns"], "{label}"),
            (Outcome::User(u), None) => {
                let mut want = step["returns"]["$user"].clone();
                if let Some(fields) = dev.as_ref().and_then(|d| d.user_fields.clone()) {
                    for (k, v) in fields.as_object().unwrap() {
                        want[k] = v.clone();
                        if k != "class" {
                            want["to_dict"][k] = v.clone();
                        }
                    }
                }
                assert_eq!(user_json(u), want, "{label}");
                if let Some(k) = step.get("same_object_as_step").and_then(Value::as_u64) {
                    let earlier = users[usize::try_from(k).unwrap()].as_ref().unwrap();
                    assert!(
                        u.is_same_user(earlier),
                        "{label}: not the same object as step {k}"
                    );
                }
            }
        }
        users.push(match outcome {
            Outcome::User(u) => Some(u),
            _ => None,
        });
        let got = written(&before, &after);
        let want: Vec<String> = match dev.as_ref().and_then(|d| d.written.clone()) {
            Some(w) => w.into_iter().map(str::to_owned).collect(),
            None => step["written"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w.as_str().unwrap().to_owned())
                .collect(),
        };
        assert_eq!(got, want, "{label}: files written");
        files_differ |= dev.is_some_and(|d| d.files_differ);
        if let Some(tree) = step.get("tree_after").filter(|_| !files_differ) {
            check_tree(&c, &label, tree);
        }
    }
    if !files_differ {
        check_tree(&c, &format!("{} final", c.id), &expected["final_tree"]);
    }
    drop(c.root);
}

#[tokio::test]
async fn every_python_authenticator_case_replays_with_the_same_results_and_files() {
    let m = manifest("authenticator");
    let cases = m["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 31);
    for case in cases {
        replay(case, FoundBy::Path).await;
    }
}

#[tokio::test]
async fn every_core_defaults_manager_case_replays_with_shotgun_yml_found_through_the_launch() {
    let m = manifest("authenticator");
    let core_cases: Vec<_> = m["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["inputs"]["defaults_manager"]["class"] == "CoreDefaultsManager")
        .collect();
    assert!(core_cases.len() >= 5, "{}", core_cases.len());
    for case in core_cases {
        replay(case, FoundBy::Launch).await;
    }
}
