//! review as one self-contained HTML page for an auditor's browser: no network (a Content
//! Security Policy of `default-src 'none'` that lets in only this page's own style and script,
//! by their SHA-256), every cell escaped (`text::html_text`), and a script that sorts by any
//! column and filters rows by text, reading and writing only `textContent`, never markup. The
//! address's fragment can preset both (`#q=bob&sort=7&desc=1`).

use sha2::{Digest, Sha256};

use super::Right;
use super::render::{COLUMNS, cells};
use crate::text::html_text;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}th button{font:inherit;font-weight:bold;border:0;background:none;cursor:pointer}tr[data-unused=yes] td{background:#fff4e5}";

const SCRIPT: &str = r#"(function () {
  var table = document.getElementById('rights');
  var body = table.tBodies[0];
  var heads = table.tHead.rows[0].cells;
  var filter = document.getElementById('filter');
  var count = document.getElementById('count');
  var rows = Array.prototype.slice.call(body.rows);
  function apply() {
    var q = filter.value.toLowerCase();
    var shown = 0;
    rows.forEach(function (r) {
      var hit = r.textContent.toLowerCase().indexOf(q) >= 0;
      r.hidden = !hit;
      if (hit) { shown++; }
    });
    count.textContent = shown + ' of ' + rows.length + ' rights shown';
  }
  var order = { col: -1, up: true };
  function sort(col) {
    order.up = order.col === col ? !order.up : true;
    order.col = col;
    var numeric = heads[col].getAttribute('data-type') === 'number';
    rows.sort(function (a, b) {
      var x = a.cells[col].textContent, y = b.cells[col].textContent;
      var c = numeric ? Number(x) - Number(y) : (x < y ? -1 : (x > y ? 1 : 0));
      return order.up ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(heads, function (th, i) {
      th.setAttribute('aria-sort', i === col ? (order.up ? 'ascending' : 'descending') : 'none');
    });
  }
  filter.addEventListener('input', apply);
  Array.prototype.forEach.call(heads, function (th, i) {
    th.querySelector('button').addEventListener('click', function () { sort(i); });
  });
  var params = new URLSearchParams(location.hash.slice(1));
  if (params.has('q')) { filter.value = params.get('q'); }
  var col = Number(params.get('sort'));
  if (params.has('sort') && col >= 0 && col < heads.length) {
    sort(col);
    if (params.get('desc') === '1') { sort(col); }
  }
  apply();
})();"#;

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn hash(text: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(text.as_bytes())))
}

/// The page.
pub fn page(rows: &[Right], title: &str) -> String {
    let title = html_text(title);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src {}; script-src {}\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n<p><label>Filter <input id=\"filter\" type=\"search\"></label> <span id=\"count\"></span></p>\n<table id=\"rights\">\n<thead><tr>",
        hash(STYLE),
        hash(SCRIPT)
    );
    for c in COLUMNS {
        let kind = if c == "uses" {
            " data-type=\"number\""
        } else {
            ""
        };
        out.push_str(&format!(
            "<th{kind} aria-sort=\"none\"><button type=\"button\">{c}</button></th>"
        ));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        let unused = if r.unused { "yes" } else { "no" };
        out.push_str(&format!("<tr data-unused=\"{unused}\">"));
        for c in cells(r) {
            out.push_str(&format!("<td>{}</td>", html_text(&c)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str(&format!(
        "</tbody>\n</table>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
