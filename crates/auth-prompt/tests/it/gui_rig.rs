//! Drives the login dialog headless: the prompter's questions run on a thread of their own
//! while the test types and clicks through the accessibility tree.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tk_auth_prompt::{EmbeddedDialog, GuiPrompter};

/// A prompter, its dialog in a headless harness, and the links the dialog tried to open.
pub(crate) struct Rig {
    pub(crate) prompter: GuiPrompter,
    pub(crate) harness: Harness<'static>,
    pub(crate) opened: Arc<Mutex<Vec<String>>>,
}

impl Rig {
    /// A dialog whose links open when `links_open`.
    pub(crate) fn new(links_open: bool) -> Self {
        let opened = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&opened);
        let (prompter, dialog) = GuiPrompter::embedded(move |url| {
            log.lock().unwrap().push(url.to_string());
            links_open
        });
        Self {
            prompter,
            harness: harness(dialog),
            opened,
        }
    }

    /// Asks a question on a thread of its own (as a login flow would, from anywhere).
    pub(crate) fn ask<T, F>(
        &self,
        question: impl FnOnce(GuiPrompter) -> F + Send + 'static,
    ) -> JoinHandle<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send,
    {
        let prompter = self.prompter.clone();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(question(prompter))
        })
    }

    /// Runs frames until `label` shows.
    pub(crate) fn wait_for(&mut self, label: &str) {
        self.wait_until(label, |h, l| h.query_by_label(l).is_some());
    }

    /// Runs frames until `label` is gone.
    pub(crate) fn wait_gone(&mut self, label: &str) {
        self.wait_until(label, |h, l| h.query_by_label(l).is_none());
    }

    fn wait_until(&mut self, label: &str, done: fn(&Harness<'static>, &str) -> bool) {
        let start = Instant::now();
        loop {
            self.harness.step();
            if done(&self.harness, label) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "waited in vain for {label:?}; the tree is {:#?}",
                self.harness.root()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Types into the field named `label`.
    pub(crate) fn type_into(&mut self, label: &str, text: &str) {
        self.harness.get_by_label(label).focus();
        self.harness.step();
        self.harness.get_by_label(label).type_text(text);
        self.step();
    }

    /// Clicks the widget named `label`.
    pub(crate) fn click(&mut self, label: &str) {
        self.harness.get_by_label(label).click();
        self.step();
    }

    /// A few frames: enough for an input to land and its effects to draw.
    pub(crate) fn step(&mut self) {
        for _ in 0..3 {
            self.harness.step();
        }
    }

    /// The text of the field named `label`.
    pub(crate) fn value(&self, label: &str) -> String {
        self.harness.get_by_label(label).value().unwrap_or_default()
    }

    /// Whether some text in the dialog contains `text`.
    pub(crate) fn shows(&self, text: &str) -> bool {
        self.harness.query_by_label_contains(text).is_some()
    }

    /// Every label and value of the accessibility tree, as one text.
    pub(crate) fn tree(&self) -> String {
        format!("{:?}", self.harness.root())
    }
}

/// Waits for a question's answer, without hanging a broken test forever.
pub(crate) fn answer<T>(handle: JoinHandle<T>) -> T {
    let start = Instant::now();
    while !handle.is_finished() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the question got no answer"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    handle.join().unwrap()
}

fn harness(dialog: EmbeddedDialog) -> Harness<'static> {
    Harness::builder()
        .with_size([520.0, 380.0])
        .build_ui(move |ui| dialog.ui(ui))
}
