//! review's outputs against names built to break them: a CSV cell that is a spreadsheet formula,
//! quotes and commas, line breaks, a Markdown table's pipes, HTML that would open a script, bidi
//! overrides. Each format is read back by a real reader: Python's csv module, and Debian's
//! headless chromium for the page (its CSP and escaping keep the name inert).

use mlgrant::review::{Right, Style, report};

const NASTY: [&str; 6] = [
    "=HYPERLINK(\"http://x\",\"y\")",
    "a,\"b\"\r\nc",
    "x | y | z",
    "<script>document.title='pwned'</script><img src=x onerror=alert(1)>",
    "\u{202e}txt.exe",
    "-2+3",
];

fn rights() -> Vec<Right> {
    NASTY
        .iter()
        .map(|n| Right {
            right: format!("EXECUTE ON MODEL s.\"{n}\""),
            schema: "s".into(),
            model: (*n).into(),
            grantee: format!("user:{n}"),
            rule: format!("schemas.s.consumers at mlgrant.toml:3 ({n})"),
            held: true,
            since: String::new(),
            last_used: String::new(),
            used_by: (*n).into(),
            uses: 1,
            expires: String::new(),
            unused: false,
        })
        .collect()
}

#[test]
fn csv_reads_back_as_one_row_of_twelve_cells_per_right_with_formulas_neutralised() {
    let csv = report(&rights(), Style::Csv, "t");
    let dir = crate::util::scratch("review-hostile", "csv");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("review.csv");
    std::fs::write(&file, &csv).unwrap();
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import csv, json, sys\nrows = list(csv.reader(open(sys.argv[1], newline='')))\nprint(json.dumps(rows))",
        )
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 1 + NASTY.len(), "{csv}");
    for (row, nasty) in rows[1..].iter().zip(NASTY) {
        assert_eq!(row.len(), 12, "{row:?}");
        // The model cell: what a spreadsheet would run as a formula starts with a quote; line
        // breaks are shown escaped; everything else is the name itself.
        let model = &row[2];
        assert!(!model.contains('\n') && !model.contains('\r'), "{model:?}");
        if nasty.starts_with(['=', '+', '-', '@']) {
            assert!(model.starts_with('\''), "{model:?}");
        }
        assert!(!model.starts_with(['=', '+', '-', '@']), "{model:?}");
        assert!(!model.contains('\u{202e}'), "{model:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn markdown_keeps_every_row_in_its_twelve_columns() {
    let md = report(&rights(), Style::Markdown, "t");
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    // Header, separator, one per right: no name made a line of its own.
    assert_eq!(rows.len(), 2 + NASTY.len(), "{md}");
    for row in &rows {
        // Unescaped pipes are the 13 column borders; a name's pipes and angle brackets are
        // escaped, so that no renderer opens a cell or a tag.
        let (mut borders, mut tags) = (0, 0);
        let mut escaped = false;
        for c in row.chars() {
            if !escaped {
                borders += usize::from(c == '|');
                tags += usize::from(c == '<');
            }
            escaped = c == '\\' && !escaped;
        }
        assert_eq!((borders, tags), (13, 0), "{row}");
        assert!(!row.contains('\u{202e}'), "{row}");
    }
}

#[test]
fn the_page_shows_each_name_as_text_and_runs_none_of_it() {
    let page = report(&rights(), Style::Html, "t");
    let dir = crate::util::scratch("review-hostile", "html");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("review.html");
    std::fs::write(&file, &page).unwrap();
    let dom = crate::util::chromium_dom(&format!("file://{}", file.display()), &dir.join("p"));
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    // The page's own script ran (it counts the rows shown); no name became an element.
    assert!(
        dom.contains(&format!("{0} of {0} rights shown", NASTY.len())),
        "{dom}"
    );
    let title = &dom[dom.find("<title>").unwrap() + 7..dom.find("</title>").unwrap()];
    assert!(!title.contains("pwned"), "a name's script ran: {dom}");
    assert!(!dom.contains("<img"), "a name became an element: {dom}");
    assert_eq!(
        dom.matches("<script").count(),
        page.matches("<script").count()
    );
    assert!(dom.contains("&lt;script&gt;document.title"), "{dom}");
    let _ = std::fs::remove_dir_all(&dir);
}
