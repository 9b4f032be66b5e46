//! The one error type of the draw engine.

/// Why a draw could not be made or checked. Every message names the field (or the unit) at
/// fault, so that whoever prepared the input knows what to fix; the engine never guesses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    /// The text is not JSON of the expected shape (syntax, type, missing or unknown field).
    /// `path` is where in the document, e.g. `population[3].id`; empty for the document itself.
    #[error("{}", join_path(path, message))]
    Json { path: String, message: String },

    /// The JSON has the right shape but a value the specification does not allow.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },

    /// Dealing officers reached a unit for which, after a fresh deck, fewer than `team_size`
    /// officers without a conflict remain (DRAW.md "Which officers").
    #[error("unit {unit}: fewer than team_size eligible officers")]
    NotEnoughOfficers { unit: String },
}

impl DrawError {
    /// Shorthand for [`DrawError::Invalid`].
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DrawError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The field at fault (`rule.quarter`, `population[3].id`), or the unit's id for
    /// [`DrawError::NotEnoughOfficers`]; `None` when the whole document is at fault. Meant for a
    /// form that highlights the offending entry.
    pub fn field(&self) -> Option<&str> {
        let field = match self {
            DrawError::Json { path, .. } => path,
            DrawError::Invalid { field, .. } => field,
            DrawError::NotEnoughOfficers { unit } => unit,
        };
        (!field.is_empty()).then_some(field.as_str())
    }

    /// The same error, located inside an enclosing field (`input` of a record), so that
    /// `population[3].id` becomes `input.population[3].id`.
    pub(crate) fn within(self, outer: &str) -> Self {
        let nest = |inner: String| {
            if inner.is_empty() {
                outer.to_string()
            } else if inner.starts_with('[') {
                format!("{outer}{inner}")
            } else {
                format!("{outer}.{inner}")
            }
        };
        match self {
            DrawError::Json { path, message } => DrawError::Json {
                path: nest(path),
                message,
            },
            DrawError::Invalid { field, message } => DrawError::Invalid {
                field: nest(field),
                message,
            },
            other @ DrawError::NotEnoughOfficers { .. } => other,
        }
    }
}

fn join_path(path: &str, message: &str) -> String {
    if path.is_empty() {
        message.to_string()
    } else {
        format!("{path}: {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_their_field() {
        let e = DrawError::invalid("rule.quarter", "5 is outside 1..=4");
        assert_eq!(e.to_string(), "rule.quarter: 5 is outside 1..=4");
        assert_eq!(e.field(), Some("rule.quarter"));
        let e = e.within("input");
        assert_eq!(e.to_string(), "input.rule.quarter: 5 is outside 1..=4");
    }

    #[test]
    fn a_document_level_json_error_has_no_field() {
        let e = DrawError::Json {
            path: String::new(),
            message: "EOF".into(),
        };
        assert_eq!(e.to_string(), "EOF");
        assert_eq!(e.field(), None);
        assert_eq!(e.within("input").to_string(), "input: EOF");
    }

    #[test]
    fn the_officer_shortage_names_the_unit_as_the_spec_words_it() {
        let e = DrawError::NotEnoughOfficers { unit: "U1".into() };
        assert_eq!(
            e.to_string(),
            "unit U1: fewer than team_size eligible officers"
        );
    }
}
