//! The login window's colours: the desktop's light or dark setting, or the one
//! `TK_AUTH_THEME` forces.

use eframe::egui::{self, Theme, ThemePreference};
use tk_auth_core::Env;
use tk_auth_core::env::TK_AUTH_THEME;

use crate::PromptError;

/// The colours a login window is drawn in, as `TK_AUTH_THEME=light|dark|system` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WindowTheme {
    /// The desktop's setting, where the windowing system reports it (Windows, macOS);
    /// light where it does not (Linux).
    System,
    /// Dark text on a light background.
    Light,
    /// Light text on a dark background.
    Dark,
}

impl WindowTheme {
    /// The theme `TK_AUTH_THEME` asks for; [`System`](Self::System) when it is unset or
    /// blank, an error naming the value when it names no theme.
    pub(crate) fn from_env(env: &Env) -> Result<Self, PromptError> {
        let Some(value) = env.var(TK_AUTH_THEME).filter(|v| !v.trim().is_empty()) else {
            return Ok(Self::System);
        };
        match value.trim().to_ascii_lowercase().as_str() {
            "system" => Ok(Self::System),
            "light" => Ok(Self::Light),
            "dark" => Ok(Self::Dark),
            _ => Err(PromptError::UnknownTheme { value }),
        }
    }

    /// Makes `ctx` draw in this theme from its next frame on.
    pub(crate) fn apply(self, ctx: &egui::Context) {
        ctx.options_mut(|options| {
            options.theme_preference = match self {
                Self::System => ThemePreference::System,
                Self::Light => ThemePreference::Light,
                Self::Dark => ThemePreference::Dark,
            };
            // egui falls back to dark; a desktop that does not say is most often light.
            options.fallback_theme = Theme::Light;
        });
        ctx.all_styles_mut(|style| {
            // An empty field is outlined, not only filled: light grey on white is hard to
            // see in the light theme.
            let widgets = &mut style.visuals.widgets;
            widgets.inactive.bg_stroke = widgets.noninteractive.bg_stroke;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme_of(value: &str) -> Result<WindowTheme, PromptError> {
        WindowTheme::from_env(&Env::from_pairs([(TK_AUTH_THEME, value)]))
    }

    #[test]
    fn the_theme_variable_names_light_dark_or_system_in_any_case() {
        assert_eq!(
            WindowTheme::from_env(&Env::empty()).unwrap(),
            WindowTheme::System
        );
        assert_eq!(theme_of(" ").unwrap(), WindowTheme::System);
        assert_eq!(theme_of("System").unwrap(), WindowTheme::System);
        assert_eq!(theme_of(" LIGHT ").unwrap(), WindowTheme::Light);
        assert_eq!(theme_of("dark").unwrap(), WindowTheme::Dark);
        let Err(e) = theme_of("blue") else {
            panic!("an unknown theme was accepted");
        };
        assert_eq!(
            e.to_string(),
            "unknown window theme \"blue\" in TK_AUTH_THEME: use light, dark or system"
        );
    }

    #[test]
    fn each_theme_sets_the_colours_of_the_next_frame() {
        for (theme, dark) in [(WindowTheme::Light, false), (WindowTheme::Dark, true)] {
            let ctx = egui::Context::default();
            theme.apply(&ctx);
            let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
                assert_eq!(ui.visuals().dark_mode, dark, "{theme:?}");
            });
            // No painter takes the fonts' texture here.
            output.textures_delta.clear();
        }
    }

    #[test]
    fn the_system_theme_is_followed_when_reported_and_light_when_not() {
        for (reported, dark) in [
            (None, false),
            (Some(Theme::Light), false),
            (Some(Theme::Dark), true),
        ] {
            let ctx = egui::Context::default();
            WindowTheme::System.apply(&ctx);
            let input = egui::RawInput {
                system_theme: reported,
                ..Default::default()
            };
            let mut output = ctx.run_ui(input, |ui| {
                assert_eq!(ui.visuals().dark_mode, dark, "{reported:?}");
            });
            // No painter takes the fonts' texture here.
            output.textures_delta.clear();
        }
    }
}
