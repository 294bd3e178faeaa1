//! Model files of the bad kinds a hostile test found quadratic (issue: unknown keys, one
//! grantee repeated, names that nearly match a declared group), of about `bytes` bytes each;
//! shared by the benchmark (check's time on 1 MB and 10 MB) and the test that bounds check's
//! output on them.

/// `(kind, text)` for each bad kind.
pub fn bad_files(bytes: usize) -> Vec<(&'static str, String)> {
    let mut unknown = String::from("version = 1\n[groups.ml_team]\n");
    let mut i = 0;
    while unknown.len() < bytes {
        unknown.push_str(&format!("unknown_key_{i} = 1\n"));
        i += 1;
    }
    let mut repeated = String::from("version = 1\n[groups.ml_team]\n[schemas.s]\nconsumers = [");
    while repeated.len() < bytes {
        repeated.push_str("\"ml_team\", ");
    }
    repeated.push_str("]\n");
    let mut near = String::from("version = 1\n");
    for g in 0..200 {
        near.push_str(&format!("[groups.ml_team_{g:03}]\n"));
    }
    near.push_str("[schemas.s]\nconsumers = [");
    let mut n = 0;
    while near.len() < bytes {
        near.push_str(&format!("\"ml_taem_{n:06}\", "));
        n += 1;
    }
    near.push_str("]\n");
    vec![
        ("unknown keys", unknown),
        ("one grantee repeated", repeated),
        ("near-miss names", near),
    ]
}
