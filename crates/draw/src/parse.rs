//! Reading JSON into the records of [`crate::model`], with errors that name the field.

use serde::de::DeserializeOwned;

use crate::error::DrawError;
use crate::model::{DrawInput, DrawRecord};
use crate::validate::validate;

/// Reads and validates a draw input (`spotcheck draw run --input FILE`).
///
/// Refuses unknown fields, wrong types and every value [`validate`] refuses; the error names the
/// field, e.g. `population[3].id: duplicate id "X" (first at population[1])`.
pub fn parse_input(json: &str) -> Result<DrawInput, DrawError> {
    let input: DrawInput = from_json(json)?;
    validate(&input)?;
    Ok(input)
}

/// Reads a published record `{"input": …, "output": …}` and validates its input; errors in the
/// input are located under `input.` (`input.rule.quarter: …`).
pub fn parse_record(json: &str) -> Result<DrawRecord, DrawError> {
    let record = read_record(json)?;
    validate(&record.input).map_err(|e| e.within("input"))?;
    Ok(record)
}

/// A record's shape only (fields and types), for callers that validate by drawing anyway.
pub(crate) fn read_record(json: &str) -> Result<DrawRecord, DrawError> {
    from_json(json)
}

/// JSON to `T`, keeping the path of the first error (`population[3].inspected_this_year`).
fn from_json<T: DeserializeOwned>(json: &str) -> Result<T, DrawError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        // The path of the document itself prints as "."; that names no field.
        let path = if path == "." { String::new() } else { path };
        DrawError::Json {
            path,
            message: e.into_inner().to_string(),
        }
    })?;
    // Text after the document (a second object, a stray brace) is an error, not ignored.
    deserializer.end().map_err(|e| DrawError::Json {
        path: String::new(),
        message: e.to_string(),
    })?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_error_names_the_nested_field() {
        let json = r#"{"algorithm":"spotcheck-draw/v1","seed":"s","rule":{"kind":"fixed","count":1},
            "population":[{"id":"a","inspected_this_year":false},{"id":"b","inspected_this_year":"no"}],
            "officers":[],"conflicts":[],"team_size":1}"#;
        let err = parse_input(json).unwrap_err();
        assert_eq!(
            err.field(),
            Some("population[1].inspected_this_year"),
            "{err}"
        );
    }

    #[test]
    fn trailing_text_is_refused() {
        let json = r#"{"algorithm":"spotcheck-draw/v1","seed":"s","rule":{"kind":"fixed","count":1},
            "population":[],"officers":[],"conflicts":[],"team_size":1} {}"#;
        let err = parse_input(json).unwrap_err();
        assert!(err.to_string().contains("trailing"), "{err}");
    }
}
