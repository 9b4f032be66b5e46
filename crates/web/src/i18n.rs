//! Translations. Every UI string lives in `locales/zh-CN.toml` and `locales/en.toml` (flat keys in
//! sections, e.g. `login.title`); templates and handlers only name keys.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A user interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Reads a `lang` parameter or cookie value; anything unknown is `None`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "zh-cn" | "zh-Hans" => Some(Lang::Zh),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

type Table = HashMap<String, String>;

fn flatten(prefix: &str, value: &toml::Value, out: &mut Table) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// Parses a locale file into flat keys. Panics only on a malformed file shipped in the binary,
/// which the test suite catches.
pub fn parse_locale(text: &str) -> Table {
    let value: toml::Value = toml::from_str(text).expect("locale file is valid TOML");
    let mut out = Table::new();
    flatten("", &value, &mut out);
    out
}

pub const ZH_SOURCE: &str = include_str!("../locales/zh-CN.toml");
pub const EN_SOURCE: &str = include_str!("../locales/en.toml");

fn table(lang: Lang) -> &'static Table {
    static ZH: OnceLock<Table> = OnceLock::new();
    static EN: OnceLock<Table> = OnceLock::new();
    match lang {
        Lang::Zh => ZH.get_or_init(|| parse_locale(ZH_SOURCE)),
        Lang::En => EN.get_or_init(|| parse_locale(EN_SOURCE)),
    }
}

/// The translator handed to templates as `t`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Tr { lang }
    }

    /// The text for `key`; the key itself when missing (a test guarantees none is).
    pub fn get<'a>(&self, key: &'a str) -> &'a str
    where
        'static: 'a,
    {
        table(self.lang).get(key).map(String::as_str).unwrap_or(key)
    }

    /// Items as the language lists them: 王芳、李军 / Wang Fang, Li Jun.
    pub fn list<S: AsRef<str>>(&self, items: impl IntoIterator<Item = S>) -> String {
        self.join(items, "punct.list")
    }

    /// Clauses as the language separates them: 责令改正；立案查处 / order to correct; case filed.
    pub fn clauses<S: AsRef<str>>(&self, items: impl IntoIterator<Item = S>) -> String {
        self.join(items, "punct.clause")
    }

    fn join<S: AsRef<str>>(&self, items: impl IntoIterator<Item = S>, key: &str) -> String {
        let separator = self.get(key);
        let mut out = String::new();
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                out.push_str(separator);
            }
            out.push_str(item.as_ref());
        }
        out
    }

    /// The text for `key` with `{name}` placeholders replaced.
    pub fn fmt(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.get(key).to_string();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}

impl From<Lang> for spotcheck_core::lists::Lang {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Zh => spotcheck_core::lists::Lang::Zh,
            Lang::En => spotcheck_core::lists::Lang::En,
        }
    }
}

impl From<Lang> for spotcheck_tabular::Lang {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Zh => spotcheck_tabular::Lang::Zh,
            Lang::En => spotcheck_tabular::Lang::En,
        }
    }
}
