//! Counting a collection's history rows into uses, and merging them with what was kept. Pure.

use std::collections::BTreeMap;

use super::{Collected, Functions, Key, Kind, Use, text, used};
use crate::catalog::Row;

/// What the history rows used, merged by key; the new watermark. `rows`: query_id, user_id,
/// status, end_time, query_text, in query_id order. Pure.
pub fn tally(
    rows: &[Row],
    users: &BTreeMap<String, String>,
    functions: &Functions,
    watermark: i64,
    collected: &mut Collected,
) -> BTreeMap<Key, Use> {
    let id = |r: &Row| text(r, 0).parse::<i64>().unwrap_or(0);
    let in_flight = |r: &Row| {
        !matches!(
            text(r, 2).trim().to_ascii_lowercase().as_str(),
            "success" | "failed" | "canceled" | "cancelled"
        )
    };
    // The watermark stops before the first statement still in flight.
    let last = match rows.iter().find(|r| in_flight(r)) {
        Some(r) => id(r) - 1,
        None => rows.last().map_or(watermark, id),
    }
    .max(watermark);
    collected.last_query_id = last;
    let mut out: BTreeMap<Key, Use> = BTreeMap::new();
    for r in rows.iter().filter(|r| id(r) <= last) {
        collected.queries_read += 1;
        if !text(r, 2).trim().eq_ignore_ascii_case("success") {
            continue;
        }
        let Some(user) = users.get(&text(r, 1)) else {
            collected.unknown_users += 1;
            continue;
        };
        let u = used(&text(r, 4), functions);
        collected.ambiguous += u.ambiguous as u64;
        let at = text(r, 3);
        let mut note = |kind: Kind, (s, m): (String, String)| {
            collected.uses_found += 1;
            let e = out.entry((user.clone(), kind, s, m)).or_insert(Use {
                first: at.clone(),
                last: at.clone(),
                uses: 0,
            });
            e.uses += 1;
            if at < e.first {
                e.first = at.clone();
            }
            if at > e.last {
                e.last = at.clone();
            }
        };
        for m in u.executed {
            note(Kind::Execute, m);
        }
        if let Some(m) = u.created {
            note(Kind::CreateModel, m);
        }
    }
    out
}

/// Adds `new` into `old`. Pure.
pub fn merge(old: &mut BTreeMap<Key, Use>, new: BTreeMap<Key, Use>) {
    for (k, n) in new {
        match old.get_mut(&k) {
            Some(o) => {
                o.uses += n.uses;
                if n.first < o.first {
                    o.first = n.first;
                }
                if n.last > o.last {
                    o.last = n.last;
                }
            }
            None => {
                old.insert(k, n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, user: &str, status: &str, at: &str, sql: &str) -> Row {
        [
            id.to_string(),
            user.into(),
            status.into(),
            at.into(),
            sql.into(),
        ]
        .into_iter()
        .map(Some)
        .collect()
    }

    #[test]
    fn tally_counts_successes_up_to_the_first_statement_in_flight() {
        let mut f = Functions::default();
        f.add("s", "m", "fn_m");
        let users = BTreeMap::from([("100".to_owned(), "bob".to_owned())]);
        let rows = [
            row(
                5,
                "100",
                "success",
                "2026-12-01 10:00:00",
                "select s.fn_m(1)",
            ),
            row(
                6,
                "100",
                "failed",
                "2026-12-01 10:01:00",
                "select s.fn_m(x)",
            ),
            row(
                7,
                "101",
                "success",
                "2026-12-01 10:02:00",
                "select s.fn_m(1)",
            ),
            row(
                8,
                "100",
                "success   ",
                "2026-12-01 09:00:00",
                "SELECT fn_m(2)",
            ),
            row(9, "100", "running", "", "select s.fn_m(3)"),
            row(
                10,
                "100",
                "success",
                "2026-12-01 11:00:00",
                "select s.fn_m(4)",
            ),
        ];
        let mut c = Collected::default();
        let t = tally(&rows, &users, &f, 4, &mut c);
        assert_eq!(c.last_query_id, 8, "stops before the running statement");
        assert_eq!((c.queries_read, c.uses_found, c.unknown_users), (4, 2, 1));
        let k = (
            "bob".to_owned(),
            Kind::Execute,
            "s".to_owned(),
            "m".to_owned(),
        );
        assert_eq!(
            t[&k],
            Use {
                first: "2026-12-01 09:00:00".into(),
                last: "2026-12-01 10:00:00".into(),
                uses: 2
            }
        );
        let mut old = BTreeMap::from([(
            k.clone(),
            Use {
                first: "2026-11-01 00:00:00".into(),
                last: "2026-11-02 00:00:00".into(),
                uses: 3,
            },
        )]);
        merge(&mut old, t);
        assert_eq!(
            old[&k],
            Use {
                first: "2026-11-01 00:00:00".into(),
                last: "2026-12-01 10:00:00".into(),
                uses: 5
            }
        );
        // Nothing new: the watermark stays.
        let mut c = Collected::default();
        assert!(tally(&[], &users, &f, 8, &mut c).is_empty());
        assert_eq!(c.last_query_id, 8);
    }
}
