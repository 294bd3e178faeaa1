//! The serialization-error knob on the wire (`--serialization-error-at N`): the statement the
//! knob numbers N is replaced by its stand-in (rewrite::serialization_error), the CALL that
//! raises Redshift's error 1023 in the client's transaction, so that PostgreSQL aborts that
//! transaction as a real error aborts it.
//!
//! In a simple-query message the statement's text is replaced in place. A statement sent with
//! the extended protocol was parsed before its Execute came, so that Execute is replaced by a
//! Parse, Bind and Execute of each stand-in statement (prepared statements named
//! `mlsim_serialization_error_N_K`, which stay in the session; the unnamed portal). What the
//! stand-in earns beyond the client's one answer (ParseComplete, BindComplete, and the
//! CommandComplete of a ROLLBACK put before the CALL) is kept from the client: those messages
//! come right before the stand-in's error, with at most notices and parameter statuses between,
//! in the segment that the next ReadyForQuery closes. Until that segment ends, the relay holds
//! back such messages, and drops the stand-in's when its error comes; any other message, or
//! another error (after which PostgreSQL skips the stand-in), lets the held ones go as they are.

use std::collections::{HashSet, VecDeque};

use bytes::{BufMut, BytesMut};

use super::notice::fields;
use super::relay::{cstring, message};

/// Responses a stand-in will earn that the client must not see.
struct Fault {
    /// ReadyForQuery messages to pass before the segment the stand-in runs in.
    after: usize,
    /// How many ParseComplete, BindComplete and CommandComplete messages right before the
    /// stand-in's error are the stand-in's.
    drop: usize,
}

/// One connection's pending stand-ins, and what it takes to tell a stand-in's messages apart.
#[derive(Default)]
pub(super) struct Faults {
    queue: VecDeque<Fault>,
    held: Vec<(u8, BytesMut)>,
    /// Prepared statements whose statement ends a transaction (rewrite::ends_transaction).
    ending_statements: HashSet<Vec<u8>>,
    /// Portals bound to such statements.
    ending_portals: HashSet<Vec<u8>>,
}

/// Whether a message is a response the stand-in may earn before its error.
fn droppable(tag: u8) -> bool {
    matches!(tag, b'1' | b'2' | b'C')
}

/// Whether an ErrorResponse is the one mlsim.serialization_error raises.
fn is_serialization_error(msg: &[u8]) -> bool {
    let f = fields(msg);
    f.contains(&(b'C', b"XX000")) && f.contains(&(b'M', b"1023"))
}

/// The Parse, Bind and Execute messages of each stand-in statement, named after the knob's `n`.
pub(super) fn stand_in_messages(n: u64, statements: &[String]) -> BytesMut {
    let mut out = BytesMut::new();
    for (k, sql) in statements.iter().enumerate() {
        let name = format!("mlsim_serialization_error_{n}_{k}");
        let mut parse = Vec::new();
        parse.extend_from_slice(name.as_bytes());
        parse.push(0);
        parse.extend_from_slice(sql.as_bytes());
        parse.push(0);
        parse.put_i16(0);
        out.unsplit(message(b'P', &parse));
        let mut bind = vec![0];
        bind.extend_from_slice(name.as_bytes());
        bind.push(0);
        bind.put_i16(0);
        bind.put_i16(0);
        bind.put_i16(0);
        out.unsplit(message(b'B', &bind));
        let mut execute = vec![0];
        execute.put_i32(0);
        out.unsplit(message(b'E', &execute));
    }
    out
}

impl Faults {
    /// A stand-in was sent that earns `drop` messages to keep from the client, in the segment
    /// after `after` ReadyForQuery messages.
    pub(super) fn expect(&mut self, after: usize, drop: usize) {
        if drop > 0 {
            self.queue.push_back(Fault { after, drop });
        }
    }

    /// The client's Parse message: remembers whether the statement ends a transaction.
    pub(super) fn parsed(&mut self, msg: &[u8]) {
        let (name, rest) = cstring(&msg[5..]);
        let (sql, _) = cstring(rest);
        if crate::rewrite::ends_transaction(&String::from_utf8_lossy(sql)) {
            self.ending_statements.insert(name.to_vec());
        } else {
            self.ending_statements.remove(name);
        }
    }

    /// The client's Bind message: remembers whether the portal's statement ends a transaction.
    pub(super) fn bound(&mut self, msg: &[u8]) {
        let (portal, rest) = cstring(&msg[5..]);
        let (statement, _) = cstring(rest);
        if self.ending_statements.contains(statement) {
            self.ending_portals.insert(portal.to_vec());
        } else {
            self.ending_portals.remove(portal);
        }
    }

    /// Whether the client's Execute message runs a statement that ends a transaction.
    pub(super) fn executes_ending(&self, msg: &[u8]) -> bool {
        self.ending_portals.contains(cstring(&msg[5..]).0)
    }

    fn release(&mut self, out: &mut BytesMut) {
        for (_, msg) in self.held.drain(..) {
            out.unsplit(msg);
        }
    }

    /// One message from PostgreSQL: appended to `out`, or held back while a stand-in's
    /// messages may be coming.
    pub(super) fn relay(&mut self, tag: u8, msg: BytesMut, out: &mut BytesMut) {
        let ours = tag == b'E' && is_serialization_error(&msg);
        if !matches!(self.queue.front(), Some(f) if f.after == 0) {
            if tag == b'Z' {
                for f in &mut self.queue {
                    f.after = f.after.saturating_sub(1);
                }
            }
            out.unsplit(msg);
            return;
        }
        match tag {
            _ if droppable(tag) => self.held.push((tag, msg)),
            b'N' | b'S' if !self.held.is_empty() => self.held.push((tag, msg)),
            b'E' | b'Z' => {
                let fault = self.queue.pop_front().map_or(0, |f| f.drop);
                if ours {
                    let mut left = fault;
                    for i in (0..self.held.len()).rev() {
                        if left == 0 {
                            break;
                        }
                        if droppable(self.held[i].0) {
                            self.held.remove(i);
                            left -= 1;
                        }
                    }
                }
                if tag == b'Z' {
                    for f in &mut self.queue {
                        f.after = f.after.saturating_sub(1);
                    }
                }
                self.release(out);
                out.unsplit(msg);
            }
            _ => {
                self.release(out);
                out.unsplit(msg);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: &str, text: &str) -> BytesMut {
        let body = format!("SERROR\0C{code}\0M{text}\0\0");
        message(b'E', body.as_bytes())
    }

    fn tags(out: &BytesMut) -> Vec<u8> {
        let mut tags = Vec::new();
        let mut i = 0;
        while i < out.len() {
            tags.push(out[i]);
            let len = i32::from_be_bytes([out[i + 1], out[i + 2], out[i + 3], out[i + 4]]);
            i += len as usize + 1;
        }
        tags
    }

    #[test]
    fn the_stand_ins_answers_are_dropped_and_the_clients_kept() {
        let mut faults = Faults::default();
        faults.expect(1, 5);
        let mut out = BytesMut::new();
        // The segment before: passed as it comes.
        for tag in [b'1', b'2', b'C', b'Z'] {
            faults.relay(tag, message(tag, b""), &mut out);
        }
        // The client's Parse, Bind and an earlier Execute, then the stand-in: ROLLBACK (with a
        // warning) and the CALL.
        for tag in [b'1', b'2', b'C', b'1', b'2', b'N', b'C', b'1', b'2'] {
            faults.relay(tag, message(tag, b""), &mut out);
        }
        faults.relay(b'E', error("XX000", "1023"), &mut out);
        faults.relay(b'Z', message(b'Z', b"I"), &mut out);
        assert_eq!(
            tags(&out),
            b"12CZ12CNEZ".to_vec(),
            "{}",
            String::from_utf8_lossy(&tags(&out))
        );
    }

    #[test]
    fn another_error_first_lets_everything_through() {
        let mut faults = Faults::default();
        faults.expect(0, 2);
        let mut out = BytesMut::new();
        faults.relay(b'1', message(b'1', b""), &mut out);
        faults.relay(b'E', error("42P01", "no such table"), &mut out);
        faults.relay(b'Z', message(b'Z', b"I"), &mut out);
        faults.relay(b'1', message(b'1', b""), &mut out);
        assert_eq!(tags(&out), b"1EZ1".to_vec());
    }

    #[test]
    fn stand_in_messages_are_well_formed() {
        let out = stand_in_messages(7, &["ROLLBACK".to_owned(), "CALL x()".to_owned()]);
        assert_eq!(tags(&out), b"PBEPBE".to_vec());
        assert!(
            out.windows(29)
                .any(|w| w == b"mlsim_serialization_error_7_1")
        );
        assert!(is_serialization_error(&error("XX000", "1023")));
        assert!(!is_serialization_error(&error("XX000", "other")));
    }
}
