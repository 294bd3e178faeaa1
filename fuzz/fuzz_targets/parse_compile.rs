//! Any bytes as a model file: parse, and then either render every diagnostic, or compile,
//! plan and render in all three formats, and diff the model against itself. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlgrant::{compile, config, diff, plan, render};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match config::parse("fuzz.toml", text) {
        Err(config::ConfigError::Invalid(d)) => {
            let _ = d.render(false);
            let _ = d.render(true);
            let _ = d.short();
        }
        Err(_) => {}
        Ok(model) => {
            let compiled = compile::compile(&model);
            let p = plan::Plan::grant_all(&compiled);
            let _ = render::sql(&p, "fuzz");
            let _ = render::text(&p, "fuzz", true);
            let _ = render::json(&p, "compile", &["fuzz.toml"]);
            let same = diff::between(&compiled, &model, &compiled);
            assert!(same.steps.is_empty(), "a model differs from itself");
        }
    }
});
