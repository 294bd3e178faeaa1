//! `mlgrant completions SHELL` and `mlgrant man`: generated from the command line definition,
//! and checked by the programs that read them: bash parses and loads the completion script,
//! groff reads the man page without a warning.

use std::process::Command;

use crate::util::{mlgrant, scratch, stdout};

#[test]
fn the_bash_completion_script_parses_and_completes_subcommands() {
    let out = mlgrant(&["completions", "bash"]);
    assert!(out.status.success());
    let script = scratch("completions", "mlgrant.bash");
    std::fs::write(&script, stdout(&out)).unwrap();
    let parsed = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    // Loaded, it completes `mlgrant pl` to `plan`.
    let completed = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}'; COMP_WORDS=(mlgrant pl); COMP_CWORD=1; _mlgrant mlgrant pl mlgrant; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output()
        .unwrap();
    let words = String::from_utf8_lossy(&completed.stdout);
    assert!(words.lines().any(|w| w == "plan"), "{words}");
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let out = mlgrant(&["completions", shell]);
        assert!(
            out.status.success() && stdout(&out).contains("history"),
            "{shell}"
        );
    }
    let bad = mlgrant(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(1), "clap's usage error");
}

#[test]
fn the_man_page_is_valid_roff_and_covers_every_subcommand() {
    let out = mlgrant(&["man"]);
    assert!(out.status.success());
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie") || page.starts_with(".TH"),
        "{}",
        &page[..80]
    );
    for sub in ["plan", "apply", "doctor", "explain", "completions", "man"] {
        assert!(
            page.contains(&format!(".SH \"MLGRANT {}\"", sub.to_uppercase())),
            "{sub}"
        );
    }
    let file = scratch("man", "mlgrant.1");
    std::fs::write(&file, &page).unwrap();
    let groff = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&file)
        .output()
        .expect("groff is installed (CI installs groff-base)");
    assert!(groff.status.success());
    assert_eq!(
        String::from_utf8_lossy(&groff.stderr),
        "",
        "groff warns about the man page"
    );
}

#[test]
fn docs_doctor_describes_every_trial() {
    let page = std::fs::read_to_string(crate::util::root().join("docs/doctor.md")).unwrap();
    for (name, _) in mlgrant::doctor::TRIALS {
        assert!(
            page.contains(&format!("`{name}`")),
            "docs/doctor.md lacks {name}"
        );
    }
}
