//! Checks that keep the docs true: the crate graph of `docs/architecture.md` is the one
//! `cargo metadata` reports, and `docs/README.md` indexes every document.

use std::collections::BTreeSet;

use anyhow::{Context as _, Result, bail};
use serde_json::Value;

use crate::{cargo, workspace_root};

/// Crates that only tests and chores use: the graph leaves them out.
const NOT_IN_THE_GRAPH: [&str; 3] = ["tk-auth-test-support", "tk-auth-e2e", "xtask"];

/// A dependency edge: (crate, dependency, optional).
type Edge = (String, String, bool);

/// The normal dependencies between the workspace's crates, as cargo sees them.
fn cargo_edges() -> Result<BTreeSet<Edge>> {
    let output = cargo()
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)?;
    let packages = metadata["packages"].as_array().context("no packages")?;
    let names: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut edges = BTreeSet::new();
    for package in packages {
        let from = package["name"].as_str().unwrap_or_default();
        if NOT_IN_THE_GRAPH.contains(&from) {
            continue;
        }
        for dependency in package["dependencies"].as_array().into_iter().flatten() {
            let to = dependency["name"].as_str().unwrap_or_default();
            if names.contains(to) && dependency["kind"].is_null() {
                let optional = dependency["optional"].as_bool().unwrap_or(false);
                edges.insert((from.to_owned(), to.to_owned(), optional));
            }
        }
    }
    Ok(edges)
}

/// The edges of the first `mermaid` block of `markdown`: `a --> b`, and `a -. label .-> b`
/// for an optional dependency. Node ids are crate names with `_` for `-`.
fn diagram_edges(markdown: &str) -> Result<BTreeSet<Edge>> {
    let start = markdown
        .find("```mermaid")
        .context("no mermaid block in the document")?;
    let block = &markdown[start..];
    let block = &block[..block[3..].find("```").map_or(block.len(), |end| end + 3)];
    let node = |text: &str| -> String {
        text.trim()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<String>()
            .replace('_', "-")
    };
    let mut edges = BTreeSet::new();
    for line in block.lines().skip(2) {
        if let Some((from, to)) = line.split_once("-->") {
            edges.insert((node(from), node(to), false));
        } else if let (Some((from, _)), Some((_, to))) =
            (line.split_once("-."), line.split_once(".->"))
        {
            edges.insert((node(from), node(to), true));
        }
    }
    Ok(edges)
}

/// The documents under `docs/` that `docs/README.md` does not link to.
fn unindexed_docs() -> Result<Vec<String>> {
    let docs = workspace_root().join("docs");
    let index = std::fs::read_to_string(docs.join("README.md"))?;
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&docs)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let is_doc = std::path::Path::new(&name)
            .extension()
            .is_some_and(|e| e == "md");
        if is_doc && name != "README.md" && !index.contains(&format!("]({name})")) {
            missing.push(name);
        }
    }
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_architecture_diagram_is_the_crate_graph_cargo_reports() {
        let doc = std::fs::read_to_string(workspace_root().join("docs/architecture.md")).unwrap();
        let (drawn, real) = (diagram_edges(&doc).unwrap(), cargo_edges().unwrap());
        assert!(real.len() >= 9, "{real:?}");
        let missing: Vec<_> = real.difference(&drawn).collect();
        let extra: Vec<_> = drawn.difference(&real).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "docs/architecture.md lacks {missing:?} and draws {extra:?} that cargo does not \
             report ((crate, dependency, optional))"
        );
    }

    #[test]
    fn a_diagram_is_read_as_its_edges() {
        let doc = "text\n```mermaid\ngraph TD\n    a_b[\"a-b: x\"] --> c[\"c\"]\n    \
                   a_b -. feature f .-> d\n```\nafter --> not\n";
        let edges = diagram_edges(doc).unwrap();
        let expected: BTreeSet<Edge> = [
            ("a-b".to_owned(), "c".to_owned(), false),
            ("a-b".to_owned(), "d".to_owned(), true),
        ]
        .into();
        assert_eq!(edges, expected);
    }

    #[test]
    fn the_docs_index_links_every_document() {
        let missing = unindexed_docs().unwrap();
        assert!(
            missing.is_empty(),
            "docs/README.md does not link {missing:?}"
        );
    }
}
