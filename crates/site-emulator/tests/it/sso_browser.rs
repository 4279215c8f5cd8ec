//! A browser for the single sign-on tests: a cookie jar per host (as RFC 6265 has it, for
//! what these tests need: host-only and domain cookies, paths, and refusing a `Domain` the
//! answering host does not belong to), redirects followed by hand, auto-posting forms
//! submitted as a browser would.

use std::net::SocketAddr;

use base64::Engine as _;
use tk_auth_site_emulator::SiteEmulator;

/// One stored cookie.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) name: String,
    pub(crate) value: String,
    /// The host (host-only) or the domain (domain cookie) it goes to.
    pub(crate) host: String,
    pub(crate) domain_cookie: bool,
    pub(crate) path: String,
}

/// One answer.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) url: String,
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) set_cookies: Vec<String>,
    pub(crate) body: String,
}

impl Page {
    /// The auto-posting form's action and fields, if the page is one.
    pub(crate) fn form(&self) -> Option<(String, Vec<(String, String)>)> {
        let start = self.body.find("<form")?;
        let form = &self.body[start..];
        let action = attribute(form, "action")?;
        let mut fields = Vec::new();
        let mut rest = form;
        while let Some(i) = rest.find("<input") {
            rest = &rest[i + 6..];
            let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
            if let (Some(name), Some(value)) = (attribute(tag, "name"), attribute(tag, "value")) {
                fields.push((name, value));
            }
        }
        Some((action, fields))
    }
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn host_and_path(url: &str) -> (String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    let path = path.split('?').next().unwrap_or("/");
    (
        host.to_owned(),
        if path.is_empty() {
            "/".to_owned()
        } else {
            path.to_owned()
        },
    )
}

/// A browser.
pub(crate) struct Browser {
    http: reqwest::Client,
    pub(crate) jar: Vec<Stored>,
    /// `Set-Cookie` headers refused, as `host: header`.
    pub(crate) refused: Vec<String>,
}

impl Browser {
    /// A browser that reaches `hosts` at `addr` (a resolver override).
    pub(crate) fn new(addr: SocketAddr, hosts: &[&str]) -> Self {
        let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let mut builder = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none());
        for host in hosts {
            builder = builder.resolve(host, addr);
        }
        Self {
            http: builder.build().unwrap(),
            jar: Vec::new(),
            refused: Vec::new(),
        }
    }

    /// A browser for `site` reaching its host and its identity provider's.
    pub(crate) fn for_site(site: &SiteEmulator) -> Self {
        let (site_host, _) = host_and_path(site.url());
        let (idp_host, _) = host_and_path(&site.idp_url());
        Self::new(site.local_addr(), &[&site_host, &idp_host])
    }

    /// Loads a jar as Python Toolkit stores it (base64 of Qt raw lines).
    pub(crate) fn load_jar(&mut self, encoded: &str) {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        for line in String::from_utf8(raw).unwrap().split("\r\n") {
            let mut parts = line.split("; ");
            let (name, value) = parts.next().unwrap().split_once('=').unwrap();
            let mut stored = Stored {
                name: name.to_owned(),
                value: value.to_owned(),
                host: String::new(),
                domain_cookie: false,
                path: "/".to_owned(),
            };
            for attribute in parts {
                if let Some(domain) = attribute.strip_prefix("domain=") {
                    stored.domain_cookie = domain.starts_with('.');
                    domain.trim_start_matches('.').clone_into(&mut stored.host);
                } else if let Some(path) = attribute.strip_prefix("path=") {
                    path.clone_into(&mut stored.path);
                }
            }
            self.store(stored);
        }
    }

    fn store(&mut self, cookie: Stored) {
        self.jar
            .retain(|c| !(c.name == cookie.name && c.host == cookie.host && c.path == cookie.path));
        self.jar.push(cookie);
    }

    /// The value of cookie `name` held for `host`.
    pub(crate) fn cookie(&self, host: &str, name: &str) -> Option<String> {
        self.jar
            .iter()
            .find(|c| c.host == host && c.name == name)
            .map(|c| c.value.clone())
    }

    fn cookie_header(&self, url: &str) -> String {
        let (host, path) = host_and_path(url);
        self.jar
            .iter()
            .filter(|c| {
                (c.host == host || (c.domain_cookie && host.ends_with(&format!(".{}", c.host))))
                    && path.starts_with(&c.path)
            })
            .map(|c| format!("{}={}", c.name, c.value))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn take_cookies(&mut self, url: &str, headers: &[String]) {
        let (host, _) = host_and_path(url);
        for header in headers {
            let mut parts = header.split(';').map(str::trim);
            let (name, value) = parts.next().unwrap().split_once('=').unwrap();
            let mut stored = Stored {
                name: name.to_owned(),
                value: value.to_owned(),
                host: host.clone(),
                domain_cookie: false,
                path: "/".to_owned(),
            };
            let mut refused = false;
            for attribute in parts {
                let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
                if key.eq_ignore_ascii_case("domain") {
                    let domain = val.trim_start_matches('.').to_ascii_lowercase();
                    if domain != host && !host.ends_with(&format!(".{domain}")) {
                        refused = true;
                    }
                    stored.host = domain;
                    stored.domain_cookie = true;
                } else if key.eq_ignore_ascii_case("path") {
                    val.clone_into(&mut stored.path);
                }
            }
            if refused {
                self.refused.push(format!("{host}: {name}"));
            } else {
                self.store(stored);
            }
        }
    }

    async fn send(&mut self, url: &str, form: Option<&[(String, String)]>) -> Page {
        let cookie = self.cookie_header(url);
        let mut request = match form {
            None => self.http.get(url),
            Some(fields) => {
                let body = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields)
                    .finish();
                self.http
                    .post(url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
            }
        };
        if !cookie.is_empty() {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        self.take_cookies(url, &set_cookies);
        Page {
            url: url.to_owned(),
            status,
            location,
            set_cookies,
            body: response.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&mut self, url: &str) -> Page {
        self.send(url, None).await
    }

    pub(crate) async fn post(&mut self, url: &str, fields: &[(String, String)]) -> Page {
        self.send(url, Some(fields)).await
    }

    /// Follows redirects and auto-posting forms from `url` for at most `hops` requests;
    /// every page seen, the last one where it stopped.
    pub(crate) async fn run(&mut self, url: &str, hops: usize) -> Vec<Page> {
        let mut pages: Vec<Page> = Vec::new();
        let mut next = (url.to_owned(), None::<Vec<(String, String)>>);
        for _ in 0..hops {
            let page = match &next.1 {
                None => self.get(&next.0).await,
                Some(fields) => self.post(&next.0, fields).await,
            };
            let following = match (&page.location, page.status) {
                (Some(location), 300..=399) => Some((absolute(&page.url, location), None)),
                (_, 200) if page.body.contains("document.forms[0].submit()") => page
                    .form()
                    .map(|(action, fields)| (absolute(&page.url, &action), Some(fields))),
                _ => None,
            };
            pages.push(page);
            match following {
                Some(n) => next = n,
                None => break,
            }
        }
        pages
    }
}

/// `location` made absolute against the page `base`.
pub(crate) fn absolute(base: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_owned();
    }
    let (scheme, rest) = base.split_once("://").unwrap();
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    format!("{scheme}://{authority}{location}")
}

/// A query parameter of `url`, decoded.
pub(crate) fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The URLs of the pages, host and path only.
pub(crate) fn trail(pages: &[Page]) -> Vec<String> {
    pages
        .iter()
        .map(|p| {
            let (host, path) = host_and_path(&p.url);
            format!("{} {host}{path}", p.status)
        })
        .collect()
}
