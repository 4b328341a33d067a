//! Random bytes and random damage to real exports never panic the import:
//! every input ends in a table or in an error with a message. The value
//! parsers and the dialect sniffer take any text.

use kohorte::data::dialect::sniff_layout;
use kohorte::data::load::load_bytes;
use kohorte::data::values::{DateFormat, DecimalMark, parse_number};
use kohorte::data::{ImportOptions, Source};
use proptest::prelude::*;

/// The start of real exports: the demo shop and the CDNOW log.
fn exports() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        "assets/demo/orders.csv",
        "tests/fixtures/cdnow/cdnow_sample.csv",
    ]
    .iter()
    .map(|path| {
        let text = std::fs::read(root.join(path)).unwrap();
        text.split(|b| *b == b'\n')
            .take(40)
            .collect::<Vec<_>>()
            .join(&b'\n')
    })
    .collect()
}

/// A damage done to a file: a byte changed, bytes inserted or removed, or
/// the file cut off.
#[derive(Clone, Debug)]
enum Damage {
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Cut(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Damage::Set(at, b)),
        (
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![
                    Just(b'"'),
                    Just(b','),
                    Just(b';'),
                    Just(b'\n'),
                    Just(b'\r'),
                    Just(0u8),
                    any::<u8>()
                ],
                1..8
            )
        )
            .prop_map(|(at, bytes)| Damage::Insert(at, bytes)),
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Damage::Remove(at, n)),
        any::<usize>().prop_map(Damage::Cut),
    ]
}

fn apply(mut bytes: Vec<u8>, damages: &[Damage]) -> Vec<u8> {
    for d in damages {
        let len = bytes.len().max(1);
        match d {
            Damage::Set(at, b) => {
                if let Some(slot) = bytes.get_mut(at % len) {
                    *slot = *b;
                }
            }
            Damage::Insert(at, new) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, new.iter().copied());
            }
            Damage::Remove(at, n) => {
                let at = at % len;
                let end = (at + n).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Damage::Cut(at) => bytes.truncate(at % len),
        }
    }
    bytes
}

/// Reads the bytes as a user's file; an error must say something.
fn import(bytes: Vec<u8>) {
    match load_bytes(
        Source::File("orders.csv".into()),
        bytes,
        &ImportOptions::default(),
    ) {
        Ok(dataset) => assert!(dataset.report.rows_used > 0),
        Err(e) => assert!(!e.to_string().trim().is_empty()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        import(bytes);
    }

    #[test]
    fn damaged_exports_never_panic(
        which in 0usize..2,
        damages in prop::collection::vec(damage(), 1..6),
    ) {
        let original = exports().swap_remove(which);
        import(apply(original, &damages));
    }

    #[test]
    fn value_parsers_take_any_text(text in any::<String>()) {
        for mark in [DecimalMark::Dot, DecimalMark::Comma] {
            if let Some(value) = parse_number(&text, mark) {
                prop_assert!(value.is_finite());
            }
        }
        for format in DateFormat::ALL {
            let _ = format.parse(&text);
        }
        let _ = sniff_layout(&text);
    }
}
