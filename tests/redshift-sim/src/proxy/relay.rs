//! The message relay after authentication: frontend messages are decoded only where they must be
//! looked at (Query and Parse, rewritten by rewrite/; Execute and Sync, counted; Parse, Bind and
//! Execute, for the serialization-error knob, fault.rs), backend messages are relayed byte for
//! byte except the server_version ParameterStatus, which says what Redshift says, the context of
//! errors and notices the simulator's own procedures raise (notice.rs), and what a stand-in for a
//! failing statement earns beyond its error. Adds latency and cuts connections on request.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::{BufMut, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::fault::{Faults, stand_in_messages};
use super::history::{History, Tracker};
use super::notice::without_simulator_context;
use super::{Counters, Fallible, Io, Knobs};
use crate::rewrite;

/// The server_version Redshift reports in its ParameterStatus; AWS's drivers parse it
/// (redshift_connector picks its command-tag handling by it). version() says the same.
pub const SERVER_VERSION: &str = "8.0.2";

/// Splits one complete typed message off the front of `buf`.
fn frame(buf: &mut BytesMut) -> Option<(u8, BytesMut)> {
    if buf.len() < 5 {
        return None;
    }
    let len = i32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]) as usize;
    if buf.len() < len + 1 {
        return None;
    }
    let msg = buf.split_to(len + 1);
    Some((msg[0], msg))
}

pub(super) fn cstring(body: &[u8]) -> (&[u8], &[u8]) {
    match body.iter().position(|&b| b == 0) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, &[]),
    }
}

/// A typed message: tag, length, body.
pub(super) fn message(tag: u8, body: &[u8]) -> BytesMut {
    let mut msg = BytesMut::with_capacity(body.len() + 5);
    msg.put_u8(tag);
    msg.put_i32(body.len() as i32 + 4);
    msg.put_slice(body);
    msg
}

fn query_message(sql: &str) -> BytesMut {
    let mut body = Vec::with_capacity(sql.len() + 1);
    body.extend_from_slice(sql.as_bytes());
    body.push(0);
    message(b'Q', &body)
}

/// A Parse message with its statement rewritten (name and parameter types kept), or the message
/// as it came when nothing changes.
fn rewrite_parse(msg: BytesMut) -> BytesMut {
    let (name, rest) = cstring(&msg[5..]);
    let (sql, types) = cstring(rest);
    let rewritten = rewrite::rewrite(&String::from_utf8_lossy(sql));
    if !rewritten.changed {
        return msg;
    }
    let sql = rewritten.sql();
    let mut body = Vec::with_capacity(name.len() + sql.len() + types.len() + 2);
    body.extend_from_slice(name);
    body.push(0);
    body.extend_from_slice(sql.as_bytes());
    body.push(0);
    body.extend_from_slice(types);
    message(b'P', &body)
}

/// A ParameterStatus message, with Redshift's server_version in place of PostgreSQL's.
fn parameter_status(msg: BytesMut) -> BytesMut {
    let (key, _) = cstring(&msg[5..]);
    if key != b"server_version" {
        return msg;
    }
    let mut body = b"server_version\0".to_vec();
    body.extend_from_slice(SERVER_VERSION.as_bytes());
    body.push(0);
    message(b'S', &body)
}

/// What to do when the backend's next ReadyForQuery arrives.
enum Pending {
    Relay,
    /// Swallow everything and cut the connection (--drop-after).
    Cut,
}

pub(super) async fn relay(
    client: Box<dyn Io>,
    backend: Box<dyn Io>,
    knobs: &Knobs,
    counters: &Counters,
    history: &History,
) -> Fallible<()> {
    let user = counters.user.lock().map(|u| u.clone()).unwrap_or_default();
    let mut tracker = Tracker::default();
    let (mut client_r, mut client_w) = tokio::io::split(client);
    let (mut backend_r, mut backend_w) = tokio::io::split(backend);
    let mut from_client = BytesMut::with_capacity(8192);
    let mut from_backend = BytesMut::with_capacity(8192);
    let mut pending: VecDeque<Pending> = VecDeque::new();
    let mut faults = Faults::default();
    let mut cutting = false;
    loop {
        tokio::select! {
            n = client_r.read_buf(&mut from_client), if !cutting => {
                let n = n?;
                if n == 0 {
                    return Ok(());
                }
                counters.bytes_in.fetch_add(n as u64, Ordering::Relaxed);
                let mut out = BytesMut::new();
                while let Some((tag, msg)) = frame(&mut from_client) {
                    let budget = knobs.drop_after.load(Ordering::Relaxed);
                    let done = counters.statements.load(Ordering::Relaxed);
                    match tag {
                        b'Q' => {
                            let (sql, _) = cstring(&msg[5..]);
                            let sql = String::from_utf8_lossy(sql);
                            let rewritten = rewrite::rewrite(&sql);
                            if super::history::reads_history(sql.as_bytes()) {
                                history.flush().await;
                            }
                            tracker.query(rewritten.originals);
                            let mut changed = rewritten.changed;
                            let mut statements = rewritten.statements;
                            let n = statements.len() as u64;
                            counters.round_trips.fetch_add(1, Ordering::Relaxed);
                            delay(knobs).await;
                            let cut = budget > 0 && done + n > budget;
                            if cut {
                                let keep = (budget - done.min(budget)) as usize;
                                counters.statements.store(budget, Ordering::Relaxed);
                                counters.dropped.store(true, Ordering::Relaxed);
                                if keep == 0 {
                                    return Ok(());
                                }
                                statements.truncate(keep);
                                changed = true;
                            } else {
                                counters.statements.fetch_add(n, Ordering::Relaxed);
                            }
                            if let Some(i) = knobs.number(statements.len() as u64) {
                                let ends = rewrite::ends_transaction(&statements[i]);
                                let stand_in = rewrite::serialization_error(ends);
                                faults.expect(pending.len(), stand_in.len() - 1);
                                statements.splice(i..=i, stand_in);
                                changed = true;
                            }
                            if changed {
                                out.unsplit(query_message(&statements.join(";\n")));
                            } else {
                                out.unsplit(msg);
                            }
                            if cut {
                                pending.push_back(Pending::Cut);
                                cutting = true;
                                break;
                            }
                            pending.push_back(Pending::Relay);
                        }
                        b'P' => {
                            tracker.parse(&msg);
                            if super::history::reads_history(&msg) {
                                history.flush().await;
                            }
                            faults.parsed(&msg);
                            out.unsplit(rewrite_parse(msg));
                        }
                        b'B' => {
                            tracker.bind(&msg);
                            faults.bound(&msg);
                            out.unsplit(msg);
                        }
                        b'E' => {
                            tracker.execute(&msg);
                            if budget > 0 && done + 1 > budget {
                                counters.dropped.store(true, Ordering::Relaxed);
                                return Ok(());
                            }
                            counters.statements.fetch_add(1, Ordering::Relaxed);
                            if knobs.number(1).is_some() {
                                let stand_in =
                                    rewrite::serialization_error(faults.executes_ending(&msg));
                                // A ParseComplete and a BindComplete per statement, and the
                                // CommandComplete of each but the last.
                                faults.expect(pending.len(), 3 * stand_in.len() - 1);
                                let at = knobs.serialization_error_at.load(Ordering::SeqCst);
                                out.unsplit(stand_in_messages(at, &stand_in));
                            } else {
                                out.unsplit(msg);
                            }
                        }
                        // A function call ends with a ReadyForQuery, as a query does.
                        b'F' => {
                            tracker.call();
                            pending.push_back(Pending::Relay);
                            out.unsplit(msg);
                        }
                        b'S' => {
                            tracker.sync();
                            counters.round_trips.fetch_add(1, Ordering::Relaxed);
                            delay(knobs).await;
                            pending.push_back(Pending::Relay);
                            out.unsplit(msg);
                        }
                        b'X' => {
                            out.unsplit(msg);
                            let _ = backend_w.write_all(&out).await;
                            return Ok(());
                        }
                        _ => out.unsplit(msg),
                    }
                }
                if !out.is_empty() {
                    backend_w.write_all(&out).await?;
                }
            }
            n = backend_r.read_buf(&mut from_backend) => {
                if n? == 0 {
                    return Ok(());
                }
                let mut out = BytesMut::new();
                let mut ended = Vec::new();
                while let Some((tag, msg)) = frame(&mut from_backend) {
                    ended.extend(tracker.answer(tag, &msg, &user));
                    match tag {
                        b'Z' => {
                            if let Some(Pending::Cut) = pending.pop_front() {
                                return Ok(());
                            }
                        }
                        _ if matches!(pending.front(), Some(Pending::Cut)) => continue,
                        _ => {}
                    }
                    let msg = match tag {
                        b'S' => parameter_status(msg),
                        b'E' | b'N' => without_simulator_context(msg),
                        _ => msg,
                    };
                    faults.relay(tag, msg, &mut out);
                }
                // The rows are kept before the answer reaches the client, so that its next
                // message sees them.
                if !ended.is_empty() && history.push(ended) {
                    history.flush().await;
                }
                if !out.is_empty() {
                    counters.bytes_out.fetch_add(out.len() as u64, Ordering::Relaxed);
                    client_w.write_all(&out).await?;
                }
            }
        }
    }
}

async fn delay(knobs: &Knobs) {
    let ms = knobs.latency_ms.load(Ordering::Relaxed);
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_messages_are_rewritten_keeping_name_and_types() {
        let mut body = b"s1\0GRANT CREATE MODEL TO GROUP g\0".to_vec();
        body.extend_from_slice(&[0, 0]);
        let out = rewrite_parse(message(b'P', &body));
        let (name, rest) = cstring(&out[5..]);
        let (sql, types) = cstring(rest);
        assert_eq!(name, b"s1");
        assert_eq!(
            String::from_utf8_lossy(sql),
            "CALL mlsim.grant_create_model(true, ARRAY['group:g']::text[])"
        );
        assert_eq!(types, [0, 0]);
        let len = i32::from_be_bytes([out[1], out[2], out[3], out[4]]) as usize;
        assert_eq!(len + 1, out.len());
    }

    #[test]
    fn server_version_says_redshift() {
        let out = parameter_status(message(b'S', b"server_version\x0015.8\0"));
        assert_eq!(&out[5..], b"server_version\x008.0.2\0");
        let other = message(b'S', b"TimeZone\0UTC\0");
        assert_eq!(parameter_status(other.clone()), other);
    }
}
