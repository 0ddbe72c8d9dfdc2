//! The unified social credit code (统一社会信用代码) of a Chinese
//! organisation, GB 32100-2015: 18 characters from a 31-character alphabet,
//! the last one a check character over the first 17. The portal and the app
//! check it with this same code.

/// The alphabet: digits and capitals without I, O, Z, S, V.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Position weights 3^i mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a code is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsccError {
    /// The code has `len` characters, not 18.
    Length { len: usize },
    /// The character at `position` (1-based) cannot appear in a code.
    Character { position: usize, found: char },
    /// The check character (the 18th) is `found`, but the first 17 give `expected`.
    CheckCharacter { expected: char, found: char },
}

impl std::fmt::Display for UsccError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UsccError::Length { len } => write!(
                f,
                "a unified social credit code has 18 characters; this one has {len}"
            ),
            UsccError::Character { position, found } => write!(
                f,
                "character {position} ('{found}') cannot appear in a unified social credit code \
                 (digits and capital letters except I, O, Z, S, V)"
            ),
            UsccError::CheckCharacter { expected, found } => write!(
                f,
                "the last character should be '{expected}', not '{found}': a character is mistyped"
            ),
        }
    }
}

impl std::error::Error for UsccError {}

impl UsccError {
    /// The same, as a code the app words in its user's language.
    pub fn reason(&self) -> crate::ReasonCode {
        match self {
            UsccError::Length { len } => crate::ReasonCode::new("uscc_length", &[("length", len)]),
            UsccError::Character { position, found } => crate::ReasonCode::new(
                "uscc_character",
                &[("position", position), ("found", found)],
            ),
            UsccError::CheckCharacter { expected, found } => crate::ReasonCode::new(
                "uscc_check_character",
                &[("expected", expected), ("found", found)],
            ),
        }
    }
}

/// Checks a unified social credit code; lower-case letters are accepted as
/// their capitals, surrounding spaces are ignored.
pub fn validate(code: &str) -> Result<(), UsccError> {
    let code = code.trim();
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err(UsccError::Length { len: chars.len() });
    }
    let mut values = [0u32; 18];
    for (i, c) in chars.iter().enumerate() {
        let upper = c.to_ascii_uppercase();
        let value = ALPHABET
            .iter()
            .position(|&a| char::from(a) == upper)
            .ok_or(UsccError::Character {
                position: i + 1,
                found: *c,
            })?;
        values[i] = value as u32;
    }
    let sum: u32 = WEIGHTS.iter().zip(&values).map(|(w, v)| w * v).sum();
    let check = (31 - sum % 31) % 31;
    if values[17] != check {
        return Err(UsccError::CheckCharacter {
            expected: char::from(ALPHABET[check as usize]),
            found: chars[17],
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_codes() {
        // Codes published by registered companies.
        for code in ["914403001922038216", "91330100716105852F"] {
            assert_eq!(validate(code), Ok(()), "{code}");
        }
        assert_eq!(validate(" 91330100716105852f "), Ok(()));
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(
            validate("9144030019220382"),
            Err(UsccError::Length { len: 16 })
        );
        assert_eq!(
            validate("9144030019I2038216"),
            Err(UsccError::Character {
                position: 11,
                found: 'I'
            })
        );
        assert_eq!(
            validate("914403001922038217"),
            Err(UsccError::CheckCharacter {
                expected: '6',
                found: '7'
            })
        );
        // One mistyped digit is always caught by the check character.
        assert!(validate("914403001922O38216").is_err());
        assert!(validate("914403001922138216").is_err());
        assert!(
            UsccError::Character {
                position: 11,
                found: 'I'
            }
            .to_string()
            .contains("character 11")
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        /// Seventeen characters of the alphabet and the check character they give.
        fn code() -> impl Strategy<Value = String> {
            proptest::collection::vec(0..31usize, 17).prop_map(|values| {
                let sum: usize = values
                    .iter()
                    .zip(WEIGHTS)
                    .map(|(v, w)| v * w as usize)
                    .sum();
                let check = (31 - sum % 31) % 31;
                values
                    .iter()
                    .chain([&check])
                    .map(|&v| char::from(ALPHABET[v]))
                    .collect()
            })
        }

        proptest! {
            #[test]
            fn every_well_formed_code_is_accepted_in_either_case(code in code()) {
                prop_assert_eq!(validate(&code), Ok(()));
                prop_assert_eq!(validate(&code.to_ascii_lowercase()), Ok(()));
            }

            #[test]
            fn one_mistyped_character_is_always_caught(
                code in code(),
                at in 0..18usize,
                to in 0..31usize,
            ) {
                let mut chars: Vec<char> = code.chars().collect();
                let typed = char::from(ALPHABET[to]);
                prop_assume!(chars[at] != typed);
                chars[at] = typed;
                let mistyped: String = chars.into_iter().collect();
                prop_assert!(validate(&mistyped).is_err());
            }

            #[test]
            fn any_text_gets_an_answer_that_names_what_is_wrong(text in "\\PC{0,40}") {
                if let Err(e) = validate(&text) {
                    prop_assert!(!e.to_string().is_empty());
                }
            }
        }
    }
}
